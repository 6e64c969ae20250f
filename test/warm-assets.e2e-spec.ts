import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  startReactReportFrontend,
  type ReactReportFrontend,
} from '../bench/fixtures/react-report/react-report-frontend';
import { pdfText } from './support/pdf-text';
import { startFsTestApp } from './support/test-app';
import { signToken, TEST_JWT_SECRET } from './support/tokens';

/** The shared static-file cache through the booted app: downloads of the realistic page, and its metrics. */
describe('warm static assets (e2e: real Chromium, realistic React page, fs storage)', () => {
  let frontend: ReactReportFrontend;
  let app: INestApplication;
  let removeDir: () => Promise<void>;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    frontend = await startReactReportFrontend({ jwtSecret: TEST_JWT_SECRET });
    ({ app, removeDir } = await startFsTestApp(frontend.origin, {
      JWT_SECRET: TEST_JWT_SECRET,
      RENDER_CONCURRENCY: '2',
    }));
  });

  afterAll(async () => {
    await app.close();
    await frontend.close();
    await removeDir();
  });

  it('should serve the bundle and fonts to every render from one anonymous fetch, and count it', async () => {
    const teachers = ['WA_T1', 'WA_T2', 'WA_T3', 'WA_T4'];
    const answers = await Promise.all(
      teachers.map((teacher, index) =>
        http()
          .get(`/generate-pdf?studentId=WA_S${index}&testId=Test_3&classId=WARM`)
          .set(
            'Authorization',
            `Bearer ${signToken({ role: 'teacher', user_id: teacher, class_ids: ['WARM'] })}`,
          )
          .buffer(true)
          .expect(200),
      ),
    );
    for (const [index, answer] of answers.entries()) {
      expect(answer.headers['x-cache']).toBe('MISS');
      const text = await pdfText(answer.body as Buffer);
      expect(text).toContain(`Report for WA_S${index}`);
    }
    const requests = frontend.requests();
    for (const asset of frontend.assets.all) {
      expect([asset.path, requests.filter((r) => r.path === asset.path).length]).toEqual([asset.path, 1]);
    }
    const metrics = (await http().get('/metrics')).text;
    const assets = frontend.assets.all.length;
    expect(series(metrics, 'pdf_render_asset_cache_total{outcome="stored"}')).toBe(assets);
    expect(series(metrics, 'pdf_render_asset_cache_total{outcome="hit"}')).toBe(
      assets * (teachers.length - 1),
    );
    expect(series(metrics, 'pdf_render_asset_cache_total{outcome="unshareable"}')).toBe(1);
  });
});

function series(text: string, name: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}
