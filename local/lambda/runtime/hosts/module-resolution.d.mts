// Types of module-resolution.mjs for the TypeScript side (the worker loads the .mjs itself).

/** Whether a Lambda runtime identifier is one of the Node.js runtimes that shipped the SDK v2 (nodejs16.x and older). */
export function shipsSdkV2(runtime: string | undefined): boolean;

export function installModuleResolution(options: {
  taskRoot: string;
  layerRoots: string[];
  sdkRoots: string[];
  sdkUnavailable?: Record<string, string>;
  runtime?: string;
}): void;
