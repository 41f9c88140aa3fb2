// The AWS SDK packages rsetl's commands use, each loaded when first needed rather than when the CLI
// starts. Every `rsetl` run used to load all of them (S3, the S3 uploader, the credential chain,
// Redshift, Redshift Serverless, Secrets Manager, the Redshift Data API) before doing anything: on
// the bench machine that was most of a run's start-up CPU, paid by every idle cron `rsetl poll`
// (which needs none of them) and by every load (which needs S3 only, unless Redshift is reached
// through IAM or the Data API).
//
// They are required (CommonJS), not imported: the packages are CommonJS without a `type` field,
// and an ESM `import` of such a file makes Node parse the whole bundle an extra time or two to
// detect its module format and to find its named exports, which cost about as much again as
// loading it (`npm run bench -- --cpu-prof` showed `detectModuleFormat` and the cjs-module-lexer
// near the top). `require` returns the same module instance an `import` of the package would,
// so a test's client mock (aws-sdk-client-mock) still applies. Types come from `import type`.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const s3Sdk = () => require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
export const s3UploadSdk = () => require('@aws-sdk/lib-storage') as typeof import('@aws-sdk/lib-storage');
export const credentialsSdk = () => require('@aws-sdk/credential-providers') as typeof import('@aws-sdk/credential-providers');
export const redshiftSdk = () => require('@aws-sdk/client-redshift') as typeof import('@aws-sdk/client-redshift');
export const redshiftServerlessSdk = () => require('@aws-sdk/client-redshift-serverless') as typeof import('@aws-sdk/client-redshift-serverless');
export const redshiftDataSdk = () => require('@aws-sdk/client-redshift-data') as typeof import('@aws-sdk/client-redshift-data');
export const secretsManagerSdk = () => require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
