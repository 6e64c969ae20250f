export { assertMayList, assertMayView, mayList, mayStore, mayView } from './access-policy';
export { viewerFromClaims, viewerIdentity, type Viewer, type ViewerRole } from './viewer';
export { AuthModule } from './auth.module';
export { Public } from './public.decorator';
export { ServiceTokenGuard } from './service-token.guard';
export { CurrentCaller, type Caller } from './authenticated-request';
export { ReportTokens } from './report-tokens';
