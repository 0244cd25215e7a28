// Public API of @gadugi/error-handling.
export { type CatalogueEntry, ERROR_CATALOGUE, type ErrorArgs, type GadugiErrorCode } from "./catalogue.js";
export { GadugiError, type GadugiErrorOptions, toGadugiError } from "./gadugi-error.js";
export { parseJsonWith, parseWith } from "./parse.js";
