export { createDeviceCaPems, loadDeviceCa, type DeviceCa, type DeviceCaPems } from './device-ca.js';
export { issueDeviceCertificate, type IssuedDeviceCertificate } from './issue-certificate.js';
export { readCertificate, type CertificateFacts } from './read-certificate.js';
