{{ salesforce_staging('task', [
    ['id', 'task_id', 'string'],
    ['account_id', 'account_id', 'string'],
    ['who_id', 'contact_id', 'string'],
    ['what_id', 'related_to_id', 'string'],
    ['subject', 'subject', 'string'],
    ['type', 'task_type', 'string'],
    ['task_subtype', 'task_subtype', 'string'],
    ['call_type', 'call_type', 'string'],
    ['status', 'status', 'string'],
    ['activity_date', 'activity_date', 'date'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
