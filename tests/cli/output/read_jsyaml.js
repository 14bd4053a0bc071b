// read_jsyaml.js FILE - reads a YAML stream with js-yaml (loadAll, its
// default schema) and prints its documents as one JSON array.
const yaml = require('js-yaml');
const fs = require('fs');
const docs = yaml.loadAll(fs.readFileSync(process.argv[2], 'utf8'));
process.stdout.write(JSON.stringify(docs));
