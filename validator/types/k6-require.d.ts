/** k6's require() of the init context (CommonJS files, resolved beside the script), which @types/k6 does not declare. */
declare function require(specifier: string): unknown;
