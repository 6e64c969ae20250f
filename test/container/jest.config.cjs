// `npm run test:container`: the image built from the committed Dockerfile, run with podman against s3rver, Redis
// and the realistic report page on this machine. Kept out of `npm test`: it needs podman and builds an image.
const { jest: root } = require('../../package.json');

module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/container/**/*.container-spec.ts'],
  transform: root.projects[0].transform,
  // The image build alone takes minutes on two cores.
  testTimeout: 15 * 60 * 1000,
};
