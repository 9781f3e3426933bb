interface S3ErrorShape {
  name?: string;
  Code?: string;
  ResourceType?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The HTTP status, error code and resource type of an S3 SDK error (all absent for anything else). */
export function errorDetails(error: unknown): { status?: number; code?: string; resourceType?: string } {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as S3ErrorShape;
  return {
    status: shape.$metadata?.httpStatusCode,
    code: shape.Code ?? shape.name,
    resourceType: shape.ResourceType,
  };
}

/**
 * Whether a storage error means the thing is not there, for either store: a file or folder (ENOENT, ENOTDIR),
 * or an S3 object or its tag set (404, NoSuchKey, NotFound, or a delete marker left by a lifecycle rule on a
 * versioned bucket, which answers 405 to some requests).
 */
export function isMissing(error: unknown): boolean {
  const fileCode = (error as { code?: unknown } | null | undefined)?.code;
  if (fileCode === 'ENOENT' || fileCode === 'ENOTDIR') return true;
  const { status, code, resourceType } = errorDetails(error);
  return (
    status === 404 ||
    code === 'NoSuchKey' ||
    code === 'NotFound' ||
    resourceType === 'DeleteMarker' ||
    status === 405
  );
}
