// The function invoke.mjs invokes: a plain handler.
export const handler = async (event) => ({ value: event.value * 2 });
