{{ salesforce_staging('email_message', [
    ['id', 'email_message_id', 'string'],
    ['parent_id', 'case_id', 'string'],
    ['related_to_id', 'related_to_id', 'string'],
    ['subject', 'subject', 'string'],
    ['from_address', 'from_address', 'string'],
    ['incoming', 'is_incoming', 'boolean'],
    ['message_date', 'sent_at', 'timestamp'],
    ['status', 'status', 'string'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
