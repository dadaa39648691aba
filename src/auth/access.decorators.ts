import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, DECORATORS } from '@nestjs/swagger';
import { ApiError } from '../common/http/api-error-responses.decorator.js';

export const ACCESS = 'payonce:access';
/** public: no credential; any: an API key or a user token; api_key: an API key only. */
export type Access = 'public' | 'any' | 'api_key';
export const BEARER_SCHEME = 'bearer';

/** No credential needed (health, metrics): the auth guard lets it through, and the OpenAPI document says so (`security: []`). */
export const Public = () => applyDecorators(SetMetadata(ACCESS, 'public' satisfies Access), SetMetadata(DECORATORS.API_SECURITY, []));

/** A controller whose routes need a credential, shown in Swagger with its scheme and its 401. */
export const Authenticated = () =>
  applyDecorators(
    ApiBearerAuth(BEARER_SCHEME),
    ApiError(401, 'UNAUTHENTICATED', 'The credential is missing, malformed, unknown, revoked or expired'),
  );

/** Only an account's API key may call it: a user token gets 403 FORBIDDEN. */
export const ApiKeyOnly = () =>
  applyDecorators(
    SetMetadata(ACCESS, 'api_key' satisfies Access),
    ApiError(403, 'FORBIDDEN', 'A user token may not do this; it needs an API key'),
  );
