// The app's pages. Hash routing keeps every page reachable from a static host under any sub-path.

export const PAGES = [
  {
    id: 'label',
    title: 'Label',
    blurb: 'Score one pair live: the labeler’s P(1) and P(2), both orders.',
  },
  {
    id: 'dataset',
    title: 'Dataset',
    blurb: 'Label a whole dataset and measure alignment with humans.',
  },
  {
    id: 'reward',
    title: 'Reward model',
    blurb: 'Train a reward model on AI labels and score responses.',
  },
  {
    id: 'policy',
    title: 'Policy',
    blurb: 'Improve a policy with the reward and judge it by win rate.',
  },
  {
    id: 'results',
    title: 'Results',
    blurb: 'Your measurements next to the RLAIF paper’s numbers.',
  },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

/** The page a location hash names ("#/dataset"), or the Label page for anything else. */
export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return PAGES.find((page) => page.id === id)?.id ?? 'label';
}
