{{ salesforce_staging('contract', [
    ['id', 'contract_id', 'string'],
    ['account_id', 'account_id', 'string'],
    ['contract_number', 'contract_number', 'string'],
    ['status', 'status', 'string'],
    ['start_date', 'start_date', 'date'],
    ['end_date', 'end_date', 'date'],
    ['contract_term', 'contract_term_months', 'int'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
