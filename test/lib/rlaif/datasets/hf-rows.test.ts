import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  HF_PAGE_ROWS,
  hfRowsUrl,
  HfRowsError,
  listHfSplits,
  loadHfRows,
  rowsToPairs,
  type HfRowsPage,
} from '../../../../src/lib/rlaif/datasets/hf-rows';

// Responses recorded in the shape of https://datasets-server.huggingface.co/rows (written for
// these tests); no network: fetch is injected.
function fixture(name: string): HfRowsPage {
  return JSON.parse(readFileSync(`test/fixtures/dataset/${name}`, 'utf8')) as HfRowsPage;
}

const ref = { dataset: 'Anthropic/hh-rlhf', config: 'default', split: 'test' };

/** A fetch that serves pages of `rows` fake rows (HH-RLHF shaped) and records the URLs asked. */
function pagedFetch(totalRows: number) {
  const urls: string[] = [];
  const fetch = async (input: string | URL | Request): Promise<Response> => {
    const url = new URL(String(input));
    urls.push(url.search);
    const offset = Number(url.searchParams.get('offset'));
    const length = Number(url.searchParams.get('length'));
    const rows = Array.from(
      { length: Math.max(0, Math.min(length, totalRows - offset)) },
      (_, i) => ({
        row_idx: offset + i,
        row: {
          chosen: `\n\nHuman: Q${offset + i}\n\nAssistant: good`,
          rejected: `\n\nHuman: Q${offset + i}\n\nAssistant: bad`,
        },
        truncated_cells: [],
      }),
    );
    return Response.json({ rows, num_rows_total: totalRows });
  };
  return { fetch: fetch as typeof globalThis.fetch, urls };
}

describe('rowsToPairs', () => {
  it('reads HH-RLHF rows, numbering them by row, and reports bad and truncated rows', () => {
    const result = rowsToPairs(fixture('hf-rows-hh.json'));
    expect(result.reader && 'format' in result.reader && result.reader.format).toBe('hh-rlhf');
    expect(result.pairs.map((p) => [p.id, p.task, p.source.line])).toEqual([
      ['hh-101', 'harmless', 101],
      ['hh-104', 'harmless', 104],
    ]);
    const [first] = result.pairs;
    expect(first!.context).toBe('Human: How do I water a cactus?');
    expect(first!.candidates[first!.humanChoice!]).toBe(
      'Sparingly, about once every two weeks in summer.',
    );
    expect(result.errors).toEqual([
      { line: 102, reason: 'field "chosen" has no "Assistant:" turn' },
      { line: 103, reason: expect.stringMatching(/truncated "chosen"/) as string },
    ]);
  });

  it('reads OpenAI comparisons (nulls count as absent) with their confidence', () => {
    const result = rowsToPairs(fixture('hf-rows-openai.json'));
    expect(result.pairs).toHaveLength(1);
    expect(result.pairs[0]).toMatchObject({
      id: 't3_abc-1',
      task: 'summarization',
      humanChoice: 0,
      humanConfidence: 8,
      candidates: [
        "Landlord raised rent 40% with a week's notice; is it legal?",
        'I like my apartment.',
      ],
    });
    expect(result.pairs[0]!.context).toMatch(/^SUBREDDIT: r\/legaladvice\nTITLE: Rent raised/);
    expect(result.errors).toEqual([
      { line: 2, reason: 'field "summaries" must hold two summaries, got 1' },
    ]);
  });

  it('reads flat columns through the CSV row parser, with the task asked for', () => {
    const result = rowsToPairs(fixture('hf-rows-flat.json'), { task: 'helpful' });
    expect(result.pairs).toEqual([
      {
        id: 'csv-1',
        task: 'helpful',
        context: 'Summarize: the cat sat.',
        candidates: ['A cat sat.', 'A dog ran.'],
        humanChoice: 0,
        source: { format: 'csv', line: 1, meta: { source: 'synthetic' } },
      },
    ]);
    expect(result.errors).toEqual([{ line: 2, reason: 'missing field "response_b"' }]);
  });

  it('reports every row when the columns say nothing it can read', () => {
    const page = { rows: [0, 1].map((i) => ({ row_idx: i, row: { text: 'x', label: 1 } })) };
    const result = rowsToPairs(page);
    expect(result.pairs).toEqual([]);
    expect(result.errors.map((e) => e.line)).toEqual([1, 2]);
    expect(result.errors[0]!.reason).toMatch(/cannot tell the format.*\(columns: text, label\)/);
  });
});

describe('loadHfRows', () => {
  it('asks page by page for the first N rows and stops there', async () => {
    const { fetch, urls } = pagedFetch(1000);
    const progress: number[] = [];
    const result = await loadHfRows(ref, {
      limit: 250,
      fetch,
      onProgress: (read) => progress.push(read),
    });
    expect(urls).toEqual([
      '?dataset=Anthropic%2Fhh-rlhf&config=default&split=test&offset=0&length=100',
      '?dataset=Anthropic%2Fhh-rlhf&config=default&split=test&offset=100&length=100',
      '?dataset=Anthropic%2Fhh-rlhf&config=default&split=test&offset=200&length=50',
    ]);
    expect(progress).toEqual([100, 200, 250]);
    expect(result.pairs).toHaveLength(250);
    expect(new Set(result.pairs.map((p) => p.id)).size).toBe(250); // ids unique across pages
    expect(result).toMatchObject({ format: 'hh-rlhf', totalRows: 1000, errors: [] });
  });

  it('stops at the end of the split', async () => {
    const { fetch, urls } = pagedFetch(130);
    const result = await loadHfRows(ref, { limit: 500, fetch });
    expect(result.pairs).toHaveLength(130);
    expect(urls).toHaveLength(2);
    expect(HF_PAGE_ROWS).toBe(100);
  });

  it("turns the server's errors and network failures into HfRowsError with advice", async () => {
    const notFound = (async () =>
      Response.json(
        { error: "The dataset doesn't exist on the Hub." },
        { status: 404 },
      )) as typeof fetch;
    const error = await loadHfRows(ref, { limit: 10, fetch: notFound }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HfRowsError);
    expect(error).toMatchObject({ status: 404 });
    expect((error as Error).message).toMatch(
      /404: The dataset doesn't exist.*Check the dataset id/,
    );

    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as typeof fetch;
    await expect(loadHfRows(ref, { limit: 10, fetch: offline })).rejects.toThrow(
      /Could not reach the Hugging Face datasets-server .*Failed to fetch/,
    );
  });

  it('builds the documented URL', () => {
    expect(hfRowsUrl({ dataset: ' a/b ', config: 'c', split: 'd' }, 5, 7)).toBe(
      'https://datasets-server.huggingface.co/rows?dataset=a%2Fb&config=c&split=d&offset=5&length=7',
    );
  });
});

describe('listing configs and splits', () => {
  it('reads every config/split pair from /splits and skips malformed entries', async () => {
    const asked: string[] = [];
    const fetch = async (input: string | URL | Request): Promise<Response> => {
      asked.push(String(input));
      return Response.json({
        splits: [
          { dataset: 'openai/summarize_from_feedback', config: 'comparisons', split: 'train' },
          { dataset: 'openai/summarize_from_feedback', config: 'comparisons', split: 'validation' },
          { dataset: 'openai/summarize_from_feedback', config: 'axis', split: 'test' },
          { config: 'broken' },
        ],
        pending: [],
        failed: [],
      });
    };
    const splits = await listHfSplits(' openai/summarize_from_feedback ', { fetch });
    expect(asked).toEqual([
      'https://datasets-server.huggingface.co/splits?dataset=openai%2Fsummarize_from_feedback',
    ]);
    expect(splits.map((s) => `${s.config}/${s.split}`)).toEqual([
      'comparisons/train',
      'comparisons/validation',
      'axis/test',
    ]);
    expect(splits.every((s) => s.dataset === 'openai/summarize_from_feedback')).toBe(true);
  });

  it('says what went wrong: an unknown dataset, or an answer without splits', async () => {
    const notFound = async () =>
      Response.json({ error: "The dataset doesn't exist." }, { status: 404 });
    await expect(listHfSplits('nobody/nothing', { fetch: notFound })).rejects.toThrow(
      /404: The dataset doesn't exist\..*Check the dataset id/,
    );
    const odd = async () => Response.json({ rows: [] });
    await expect(listHfSplits('a/b', { fetch: odd })).rejects.toBeInstanceOf(HfRowsError);
    await expect(listHfSplits('a/b', { fetch: odd })).rejects.toThrow(/without a "splits" list/);
  });
});
