{{ salesforce_staging('user', [
    ['id', 'user_id', 'string'],
    ['name', 'user_name', 'string'],
    ['title', 'title', 'string'],
    ['department', 'department', 'string'],
    ['is_active', 'is_active', 'boolean'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
