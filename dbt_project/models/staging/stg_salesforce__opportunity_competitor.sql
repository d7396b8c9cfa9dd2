{{ salesforce_staging('opportunity_competitor', [
    ['id', 'opportunity_competitor_id', 'string'],
    ['opportunity_id', 'opportunity_id', 'string'],
    ['competitor_name', 'competitor_name', 'string'],
    ['strengths', 'strengths', 'string'],
    ['weaknesses', 'weaknesses', 'string'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
