// cdk-validator-cfnguard's own parsing of cfn-guard results, for tests/unit/test_guard_results.py.
//
// usage: node cfnguard-results.cjs <the package's lib folder>  < outputs.json  > results.json
// Reads a JSON array of cfn-guard `--structured` outputs; for each, runs the plugin's execGuard
// with cfn-guard replaced by that output, and writes {success, violations} or {error}.
'use strict';
const path = require('path');
const fs = require('fs');

const lib = process.argv[2];
const utils = require(path.join(lib, 'utils.js'));
const { CfnGuardValidator } = require(path.join(lib, 'plugin.js'));

const outputs = JSON.parse(fs.readFileSync(0, 'utf-8'));
const validator = new CfnGuardValidator({ controlTowerRulesEnabled: false });
const results = outputs.map((output) => {
  utils.exec = () => output; // what exec returns: cfn-guard's stdout, parsed as JSON
  try {
    return validator.execGuard({ templatePaths: [], rulePaths: [] });
  } catch (error) {
    return { error: String(error) };
  }
});
process.stdout.write(JSON.stringify(results));
