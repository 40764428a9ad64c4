#!/usr/bin/env node
// Runs the TypeScript entry through tsx so the CLI shares the job runner's
// schema and classifier source files without a build step.
'use strict';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
require('../src/main').main(process.argv.slice(2));
