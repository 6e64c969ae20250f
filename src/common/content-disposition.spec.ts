import { attachment } from './content-disposition';

describe('attachment', () => {
  it('should keep a plain name in both forms', () => {
    expect(attachment('report_S1_Test_5.pdf')).toBe(
      `attachment; filename="report_S1_Test_5.pdf"; filename*=UTF-8''report_S1_Test_5.pdf`,
    );
  });

  it('should never let a quote or a non-ASCII character break the header', () => {
    const header = attachment('report_"x"_தமிழ் 5.pdf');
    expect(header).toBe(
      `attachment; filename="report__x________5.pdf"; filename*=UTF-8''report_%22x%22_${encodeURIComponent('தமிழ்')}%205.pdf`,
    );
    expect(header.match(/"/g)).toHaveLength(2);
  });
});
