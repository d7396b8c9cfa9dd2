{{ salesforce_staging('account', [
    ['id', 'account_id', 'string'],
    ['name', 'account_name', 'string'],
    ['type', 'account_type', 'string'],
    ['industry', 'industry', 'string'],
    ['annual_revenue', 'annual_revenue', 'float'],
    ['number_of_employees', 'number_of_employees', 'int'],
    ['owner_id', 'owner_id', 'string'],
    ['estimated_annual_wallet_c', 'estimated_annual_wallet', 'float'],
    ['relationship_perceived_type_c', 'perceived_type_value', 'string'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
