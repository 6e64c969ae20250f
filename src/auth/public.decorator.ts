import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = Symbol('auth.public');

/** Opts a route out of the global user-JWT guard (health, metrics, the service-token routes). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
