{{ salesforce_staging('order', [
    ['id', 'order_id', 'string'],
    ['account_id', 'account_id', 'string'],
    ['contract_id', 'contract_id', 'string'],
    ['order_number', 'order_number', 'string'],
    ['status', 'status', 'string'],
    ['effective_date', 'effective_date', 'date'],
    ['total_amount', 'total_amount', 'float'],
    ['promised_delivery_date_c', 'promised_delivery_date', 'date'],
    ['delivered_date_c', 'delivered_date', 'date'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
