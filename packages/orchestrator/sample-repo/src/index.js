export { formatSum } from "./format.js";
export { add, subtract } from "./math.js";
export { capitalize } from "./strings.js";
