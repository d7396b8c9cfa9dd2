{{ salesforce_staging('event', [
    ['id', 'event_id', 'string'],
    ['account_id', 'account_id', 'string'],
    ['who_id', 'contact_id', 'string'],
    ['what_id', 'related_to_id', 'string'],
    ['subject', 'subject', 'string'],
    ['type', 'event_type', 'string'],
    ['start_date_time', 'started_at', 'timestamp'],
    ['end_date_time', 'ended_at', 'timestamp'],
    ['duration_in_minutes', 'duration_minutes', 'int'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
