{{ salesforce_staging('contact', [
    ['id', 'contact_id', 'string'],
    ['account_id', 'account_id', 'string'],
    ['name', 'contact_name', 'string'],
    ['title', 'title', 'string'],
    ['department', 'department', 'string'],
    ['email', 'email', 'string'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
