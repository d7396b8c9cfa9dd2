{{ salesforce_staging('opportunity_contact_role', [
    ['id', 'opportunity_contact_role_id', 'string'],
    ['opportunity_id', 'opportunity_id', 'string'],
    ['contact_id', 'contact_id', 'string'],
    ['role', 'role', 'string'],
    ['is_primary', 'is_primary', 'boolean'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
