// The AWS SDK for JavaScript v2 as the nodejs16.x and older managed runtimes provided it,
// pointed at the local endpoint: v2 predates AWS_ENDPOINT_URL, so without this its clients
// would call the real AWS. Loaded once, before any `aws-sdk` module a function asks for,
// so the global configuration every v2 client reads is set first.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
const AWS = require('aws-sdk');
const endpoint = process.env.AWS_ENDPOINT_URL;
if (endpoint) AWS.config.update({ endpoint, s3ForcePathStyle: true });
module.exports = AWS;
