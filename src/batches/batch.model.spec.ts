import { itemOf, queueOf, queuePriorities } from './batch.model';

const student = (studentId: string) =>
  itemOf({ kind: 'student', classId: 'C1', testId: 'Test_5', studentId });
const teacher = itemOf({ kind: 'teacher', classId: 'C1', testId: 'Test_5', teacherId: 'T1' });
const overall = itemOf({ kind: 'overall', classId: 'C1', testId: 'Test_5' });

describe('queuePriorities', () => {
  it('should put the teacher and overall reports first, then the students in order', () => {
    expect(queuePriorities([student('S1'), student('S2'), teacher, overall])).toEqual([
      10_003, 10_004, 10_001, 10_002,
    ]);
  });

  it('should give item k of every batch of one priority the same place, so batches interleave', () => {
    const big = queuePriorities(Array.from({ length: 60 }, (_, index) => student(`S${index}`)));
    const small = queuePriorities([student('A'), student('B')]);
    expect(small).toEqual(big.slice(0, 2));
  });

  it('should put every high item before every normal one, and every normal before every low', () => {
    const high = queuePriorities(
      Array.from({ length: 5201 }, (_, index) => student(`S${index}`)),
      'high',
    );
    const normal = queuePriorities([student('S1')], 'normal');
    const low = queuePriorities([student('S1')], 'low');
    expect(Math.max(...high)).toBeLessThan(normal[0]);
    expect(normal[0]).toBeLessThan(low[0]);
    expect(Math.min(...high)).toBe(1);
  });
});

describe('queueOf', () => {
  it('should queue only the pending items, ranked among themselves', () => {
    const stored = { ...student('S1'), state: 'succeeded' as const };
    expect(queueOf([stored, student('S2'), teacher])).toEqual([
      { index: 1, priority: 10_002 },
      { index: 2, priority: 10_001 },
    ]);
    expect(queueOf([stored])).toEqual([]);
  });
});
