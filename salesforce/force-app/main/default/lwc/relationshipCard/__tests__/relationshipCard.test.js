import { createElement } from 'lwc';
import { getRecord } from 'lightning/uiRecordApi';
import RelationshipCard from 'c/relationshipCard';

const fs = require('fs');
const path = require('path');

const mockAccount = require('./data/account.json');

// The eight relationship types, as Salesforce stores them (picklist API values).
const TYPES = [
    'Prospect',
    'One-Night Stand',
    'Dating',
    'Steady',
    'Engaged',
    'Married',
    'Partner',
    'Ex'
];
const TYPE_FIELD_FILE = path.join(
    __dirname,
    '..', '..', '..', 'objects', 'Account', 'fields', 'Relationship_Type__c.field-meta.xml'
);

/** The mock account with some fields replaced ({ value, displayValue } each). */
function account(fields = {}) {
    const record = JSON.parse(JSON.stringify(mockAccount));
    Object.assign(record.fields, fields);
    return record;
}

function field(value, displayValue = null) {
    return { value, displayValue };
}

function emptyAccount() {
    const fields = {};
    for (const name of Object.keys(mockAccount.fields)) {
        fields[name] = field(null);
    }
    return account(fields);
}

async function render(emit) {
    const element = createElement('c-relationship-card', { is: RelationshipCard });
    element.recordId = mockAccount.id;
    document.body.appendChild(element);
    emit();
    await Promise.resolve();
    return element;
}

function $(element, selector) {
    return element.shadowRoot.querySelector(selector);
}

function text(element, selector) {
    const node = $(element, selector);
    return node ? node.textContent.trim() : null;
}

describe('c-relationship-card', () => {
    afterEach(() => {
        while (document.body.firstChild) {
            document.body.removeChild(document.body.firstChild);
        }
        jest.clearAllMocks();
    });

    it('asks for the Rapport fields of the record it sits on', async () => {
        await render(() => getRecord.emit(account()));

        const config = getRecord.getLastConfig();
        expect(config.recordId).toBe(mockAccount.id);
        const asked = [...config.fields, ...config.optionalFields].map((f) => f.fieldApiName);
        expect(asked.sort()).toEqual(Object.keys(mockAccount.fields).sort());
        expect(config.fields.map((f) => f.fieldApiName)).toEqual(['Relationship_Type__c']);
    });

    it('knows every type of the Relationship_Type__c picklist', () => {
        const xml = fs.readFileSync(TYPE_FIELD_FILE, 'utf8');
        const values = [...xml.matchAll(/<value>\s*<fullName>([^<]+)<\/fullName>/g)].map((m) => m[1]);
        expect([...values].sort()).toEqual([...TYPES].sort());
    });

    it.each(TYPES)('shows the label of the %s type', async (type) => {
        const element = await render(() =>
            getRecord.emit(account({ Relationship_Type__c: field(type, type) }))
        );

        expect(text(element, '.type-label')).toBe(type);
        expect($(element, '.type').classList).toContain(
            `type-${type.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`
        );
        expect($(element, '.not-measured')).toBeNull();
        expect($(element, '.error')).toBeNull();
    });

    it('shows the picklist display value, not the API value', async () => {
        const element = await render(() =>
            getRecord.emit(account({ Relationship_Type__c: field('Married', 'Verheiratet') }))
        );

        expect(text(element, '.type-label')).toBe('Verheiratet');
    });

    it('shows the strength as a ring and a number, the trend, next step and reasons', async () => {
        const element = await render(() => getRecord.emit(account()));

        const ring = $(element, 'lightning-progress-ring');
        expect(ring.value).toBe(72.5);
        expect(text(element, '.strength-value')).toBe('73');
        expect(text(element, '.trend-label')).toBe('Falling');
        expect($(element, '.trend').classList).toContain('trend-falling');
        expect($(element, 'lightning-icon').iconName).toBe('utility:arrowdown');
        expect(text(element, '.next-step')).toBe(
            'Repair trust: resolve the escalations and recent anger'
        );
        expect(text(element, '.reasons')).toContain('6 people engaged');
        expect(text(element, '.updated-at')).toBe('Updated 11/29/2026, 6:00 AM');
    });

    it('colours a weak relationship differently from a strong one', async () => {
        const weak = await render(() =>
            getRecord.emit(account({ Relationship_Strength__c: field(12.4) }))
        );

        expect($(weak, 'lightning-progress-ring').variant).toBe('expired');
        expect(text(weak, '.strength-value')).toBe('12');
    });

    it('keeps the ring within a full circle', async () => {
        const element = await render(() =>
            getRecord.emit(account({ Relationship_Strength__c: field(130) }))
        );

        expect($(element, 'lightning-progress-ring').value).toBe(100);
        expect(text(element, '.strength-value')).toBe('130');
    });

    it('shows no hostage badge when the account is not a hostage', async () => {
        const element = await render(() => getRecord.emit(account()));

        expect($(element, '.hostage-badge')).toBeNull();
    });

    it('shows a hostage badge when the account is a hostage', async () => {
        const element = await render(() =>
            getRecord.emit(account({ Relationship_Hostage__c: field(true) }))
        );

        const badge = $(element, '.hostage-badge');
        expect(badge).not.toBeNull();
        expect(badge.label).toBe('Hostage');
    });

    it('says "Not measured yet" when Rapport has not written the fields', async () => {
        const element = await render(() => getRecord.emit(emptyAccount()));

        expect(text(element, '.not-measured')).toContain('Not measured yet');
        expect($(element, '.type-label')).toBeNull();
        expect($(element, 'lightning-progress-ring')).toBeNull();
        expect($(element, '.hostage-badge')).toBeNull();
    });

    it('shows the type without a ring when only the strength is missing', async () => {
        const element = await render(() =>
            getRecord.emit(account({ Relationship_Strength__c: field(null) }))
        );

        expect(text(element, '.type-label')).toBe('Married');
        expect($(element, 'lightning-progress-ring')).toBeNull();
        expect(text(element, '.strength-value')).toBe('\u2014');
    });

    it('shows the error when the record cannot be read', async () => {
        const element = await render(() =>
            getRecord.error([{ errorCode: 'INVALID_FIELD', message: 'No such column Relationship_Type__c' }], 400, 'Bad Request')
        );

        expect($(element, '.error')).not.toBeNull();
        expect(text(element, '.error-message')).toBe('No such column Relationship_Type__c');
        expect($(element, '.type-label')).toBeNull();
        expect($(element, '.not-measured')).toBeNull();
    });

    it('shows the wire adapter message for a missing record', async () => {
        const element = await render(() => getRecord.error());

        expect(text(element, '.error-message')).toBe('The requested resource does not exist');
    });

    it('shows a spinner until the record arrives', async () => {
        const element = createElement('c-relationship-card', { is: RelationshipCard });
        element.recordId = mockAccount.id;
        document.body.appendChild(element);
        await Promise.resolve();

        expect($(element, 'lightning-spinner')).not.toBeNull();
        expect($(element, '.not-measured')).toBeNull();
    });
});
