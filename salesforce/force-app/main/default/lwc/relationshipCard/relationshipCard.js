/**
 * Rapport's relationship card for the Account record page.
 *
 * Reads the fields Rapport writes back through Lightning Data Service
 * (getRecord), so it needs no Apex and respects the user's field-level
 * security. The type is the one required field: a user who cannot read it
 * (no Rapport_Relationship_Fields permission set) sees an error saying so,
 * not a misleading "Not measured yet". The other fields are optional so one
 * hidden field does not blank the whole card. Labels come from the picklist
 * display values, so a translated org shows translated types.
 */
import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue, getFieldDisplayValue } from 'lightning/uiRecordApi';

import TYPE_FIELD from '@salesforce/schema/Account.Relationship_Type__c';
import STRENGTH_FIELD from '@salesforce/schema/Account.Relationship_Strength__c';
import TREND_FIELD from '@salesforce/schema/Account.Relationship_Trend__c';
import HOSTAGE_FIELD from '@salesforce/schema/Account.Relationship_Hostage__c';
import NEXT_STEP_FIELD from '@salesforce/schema/Account.Relationship_Next_Step__c';
import REASONS_FIELD from '@salesforce/schema/Account.Relationship_Reasons__c';
import UPDATED_AT_FIELD from '@salesforce/schema/Account.Relationship_Updated_At__c';

const FIELDS = [TYPE_FIELD];
// Optional: a user without access to one of them still gets the rest of the card.
const OPTIONAL_FIELDS = [
    STRENGTH_FIELD,
    TREND_FIELD,
    HOSTAGE_FIELD,
    NEXT_STEP_FIELD,
    REASONS_FIELD,
    UPDATED_AT_FIELD
];

// Trend picklist API values (Rising, Stable, Falling) -> utility icon.
const TREND_ICONS = {
    Rising: 'utility:arrowup',
    Stable: 'utility:forward',
    Falling: 'utility:arrowdown'
};

/** A CSS-safe slug of a picklist API value ("One-Night Stand" -> "one-night-stand"). */
function slug(value) {
    return String(value)
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
}

/** The messages of a UI API error, which is an object or an array of them. */
function errorMessages(error) {
    const errors = Array.isArray(error) ? error : [error];
    return errors
        .filter(Boolean)
        .flatMap((e) => {
            if (Array.isArray(e.body)) {
                return e.body.map((b) => b.message);
            }
            if (e.body && typeof e.body.message === 'string') {
                return [e.body.message];
            }
            return typeof e.message === 'string' ? [e.message] : [];
        })
        .filter(Boolean);
}

export default class RelationshipCard extends LightningElement {
    @api recordId;

    @wire(getRecord, { recordId: '$recordId', fields: FIELDS, optionalFields: OPTIONAL_FIELDS })
    account;

    get isLoading() {
        return !this.account || (!this.account.data && !this.account.error);
    }

    get hasError() {
        return Boolean(this.account && this.account.error);
    }

    get errorMessage() {
        const messages = errorMessages(this.account.error);
        return messages.length ? messages.join(' ') : 'Unknown error';
    }

    get record() {
        return this.account && this.account.data;
    }

    /** Rapport has not typed this account yet (the type is readable: it is a required field). */
    get isNotMeasured() {
        return Boolean(this.record) && !this.typeValue;
    }

    get isMeasured() {
        return Boolean(this.record) && Boolean(this.typeValue);
    }

    get typeValue() {
        return getFieldValue(this.record, TYPE_FIELD);
    }

    get typeLabel() {
        return getFieldDisplayValue(this.record, TYPE_FIELD) || this.typeValue;
    }

    get typeClass() {
        return `type type-${slug(this.typeValue)}`;
    }

    get strength() {
        const value = getFieldValue(this.record, STRENGTH_FIELD);
        return value === null || value === undefined ? null : Number(value);
    }

    get hasStrength() {
        return this.strength !== null && !Number.isNaN(this.strength);
    }

    /** 0-100, clamped: the ring cannot show more than a full circle. */
    get strengthRing() {
        return Math.min(100, Math.max(0, this.strength));
    }

    get strengthText() {
        return String(Math.round(this.strength));
    }

    /** Red below a third, amber below two thirds, green above: readable at a glance. */
    get strengthVariant() {
        if (this.strength < 34) {
            return 'expired';
        }
        return this.strength < 67 ? 'warning' : 'base-autocomplete';
    }

    get trendValue() {
        return getFieldValue(this.record, TREND_FIELD);
    }

    get hasTrend() {
        return Boolean(this.trendValue);
    }

    get trendLabel() {
        return getFieldDisplayValue(this.record, TREND_FIELD) || this.trendValue;
    }

    get trendIcon() {
        return TREND_ICONS[this.trendValue] || 'utility:dash';
    }

    get trendClass() {
        return `trend trend-${slug(this.trendValue)}`;
    }

    get isHostage() {
        return getFieldValue(this.record, HOSTAGE_FIELD) === true;
    }

    get nextStep() {
        return getFieldValue(this.record, NEXT_STEP_FIELD);
    }

    get reasons() {
        return getFieldValue(this.record, REASONS_FIELD);
    }

    get updatedAt() {
        return getFieldDisplayValue(this.record, UPDATED_AT_FIELD) || getFieldValue(this.record, UPDATED_AT_FIELD);
    }
}
