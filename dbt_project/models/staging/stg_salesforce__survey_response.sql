{{ salesforce_staging('survey_response_c', [
    ['id', 'survey_response_id', 'string'],
    ['account_c', 'account_id', 'string'],
    ['contact_c', 'contact_id', 'string'],
    ['score_c', 'score', 'float'],
    ['touchpoint_c', 'touchpoint', 'string'],
    ['comment_c', 'comment', 'string'],
    ['stated_relationship_c', 'stated_relationship', 'string'],
    ['responded_at_c', 'responded_at', 'timestamp'],
    ['created_date', 'created_at', 'timestamp'],
    ['system_modstamp', 'modified_at', 'timestamp'],
]) }}
