export { mayView, type ReportRequest } from './access-policy';
export { viewerFromClaims, type Viewer, type ViewerRole } from './viewer';
