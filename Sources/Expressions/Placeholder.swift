// The JSONata engine (see Sources/Expressions/README or docs).
