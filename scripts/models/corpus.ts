// The fixed training text for the tiny BPE tokenizer. Original writing in the shapes the lab
// feeds its labeler: Reddit-style posts with summaries, Human/Assistant dialogue, and the
// pairwise labeling prompts. Changing one character changes the merges and so every token id.

const POSTS = `SUBREDDIT: r/relationships
TITLE: My roommate keeps eating my food and says it is no big deal
POST: I (24F) share a flat with a friend from college (25F). For the last two months she has been taking my groceries without asking. At first it was a yogurt here and there, but last week she finished a whole pot of soup I had made for my lunches. When I brought it up she laughed and said that friends share everything. I do not want to lose the friendship, but I am tired of buying food twice. How do I talk to her about this without starting a fight?
TL;DR: My roommate eats my food and thinks it is fine. How do I ask her to stop without ruining our friendship?

SUBREDDIT: r/personalfinance
TITLE: Should I pay off my car loan early or build an emergency fund first?
POST: I am 29 and I finally have a stable job. I have 3 months of rent saved, a car loan at 6 percent with 2 years left, and no other debt. My parents say I should pay the loan off right away because debt is bad. My friend says I should save 6 months of expenses first. I earn enough to put about 500 dollars a month toward one goal. What would you do in my place?
TL;DR: Stable job, small car loan, 3 months saved. Pay the loan first or grow the emergency fund to 6 months?

SUBREDDIT: r/AskReddit
TITLE: What is a small habit that made your life better?
POST: I started making my bed every morning about a year ago. It sounds silly, but it made the rest of my day feel more organized. I also stopped looking at my phone for the first 10 minutes after I wake up. I am curious what small changes worked for other people, because I want to try a few more this year.
TL;DR: Making my bed and skipping my phone in the morning helped me. What small habits helped you?

SUBREDDIT: r/cooking
TITLE: My bread never rises and I do not know what I am doing wrong
POST: I have tried to bake bread 4 times this month. Every time the dough stays flat and dense. I use the same recipe my grandmother used, with fresh yeast, warm water, flour and a little sugar. My kitchen is cold in the winter, and I let the dough rest for about 1 hour. Is it the yeast, the water, or the room? I would love any advice before I give up.
TL;DR: My bread dough does not rise even with fresh yeast. Is my cold kitchen the problem?

SUBREDDIT: r/jobs
TITLE: I got two job offers and I cannot decide
POST: The first offer pays more, but the team seems stressed and the manager answered my questions in a hurry. The second offer pays about 10 percent less, but the people were kind and the work sounds more interesting. I have student loans, so the money matters. I need to answer both of them by Friday.
TL;DR: One job pays more, the other has a better team and more interesting work. Which should I take?
`;

const SUMMARIES = `Summary 1 - The poster's roommate keeps eating her food and laughs it off; she wants to set a boundary without losing the friend.
Summary 2 - A woman is angry at her roommate about soup.
Summary 1 - The poster has a car loan and wonders about money.
Summary 2 - With a stable job, 3 months of savings and a small car loan, the poster asks whether to repay the loan early or save 6 months first.
Summary 1 - Two habits helped the poster: making the bed and avoiding the phone after waking. They ask others for more ideas.
Summary 2 - The poster likes beds.
Summary 1 - The poster's bread will not rise despite fresh yeast, and they suspect their cold kitchen.
Summary 2 - Bread is hard to make and the poster is sad.
Summary 1 - Someone got two jobs.
Summary 2 - The poster must choose by Friday between a better paid job with a stressed team and a lower paid job with kind people and interesting work.
`;

const DIALOGUES = `Human: Can you help me write a short note to my neighbor about the noise at night?
Assistant: Of course. Here is a friendly note: Hi, I hope you are well. I have noticed some loud music after 11 at night, and it has been hard for me to sleep. Would you mind turning it down in the evenings? Thank you so much for understanding.
Human: What is the capital of France?
Assistant: The capital of France is Paris.
Human: How many legs does a spider have?
Assistant: A spider has 8 legs.
Human: Tell me how to stay focused while studying.
Assistant: Try working in short blocks of 25 minutes with a 5 minute break, keep your phone in another room, and write down one clear goal before you start each block.
Human: I feel nervous about my first day at a new job.
Assistant: That is very normal. Prepare your clothes and your route the night before, arrive a few minutes early, and remember that nobody expects you to know everything on the first day. Asking questions is a good sign.
Human: Can you explain what a summary is?
Assistant: A summary is a short version of a longer text. It keeps the main points and leaves out the details, so a reader can understand the idea quickly.
Human: Which number is bigger, 7 or 9?
Assistant: 9 is bigger than 7.
`;

const LABELING = `A good summary is accurate, covers the main points, and is concise. Which of the following summaries does a better job of summarizing the most important points in the given forum post?
Post: My roommate eats my food and thinks it is fine.
Summary 1 - The poster wants her roommate to stop taking her food without asking.
Summary 2 - The poster likes soup.
Preferred Summary=1
Rationale: Summary 1 states the main problem and the question. Summary 2 misses the point.
A good summary is accurate, covers the main points, and is concise. Which of the following summaries does a better job of summarizing the most important points in the given forum post?
Post: My bread dough does not rise.
Summary 1 - Bread is hard.
Summary 2 - The poster's bread will not rise and they ask whether the cold kitchen is the cause.
Preferred Summary=2
Rationale: Summary 2 is accurate and complete, while Summary 1 is too vague.
Which of the following responses is more helpful and harmless?
Response 1 - The capital of France is Paris.
Response 2 - I do not know.
Preferred Response=1
Rationale: Response 1 answers the question correctly.
Which of the following responses is more helpful and harmless?
Response 1 - Just ignore the noise.
Response 2 - Here is a polite note you can give to your neighbor.
Preferred Response=2
Rationale: Response 2 is kind and actually helps the human.
Rate the response on a scale from 1 to 10, where 1 is the worst and 10 is the best.
Score: 1 2 3 4 5 6 7 8 9 10
Preferred Summary=1 Preferred Summary=2 Preferred Response=1 Preferred Response=2
Rationale: The first one is better. Rationale: The second one is better.
`;

/** The whole corpus, in a fixed order. */
export const CORPUS = [POSTS, SUMMARIES, DIALOGUES, LABELING].join('\n');
