// sfdx-lwc-jest's documented config, run from the repository root.
// sfdx-lwc-jest finds the components through ./sfdx-project.json, which points
// at salesforce/force-app. `roots` keeps Jest from crawling the rest of the
// repository (.venv, warehouse, dbt targets) for tests and modules.
const { jestConfig } = require('@salesforce/sfdx-lwc-jest/config');

module.exports = {
    ...jestConfig,
    roots: ['<rootDir>/salesforce/force-app'],
    modulePathIgnorePatterns: ['<rootDir>/.localdevserver']
};
