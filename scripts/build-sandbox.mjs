#!/usr/bin/env node
// Builds the sandbox launcher (owned by src/exec). Placeholder until the execution core lands.
process.exit(0);
