// The session modes the start screen offers, one entry per mode of `POST /sessions`
// (openapi.yaml; docs/memory-model.md says what each mode serves). A mode says how to describe
// itself, what its request body is, and which screen (route) runs its sessions; docs/web-app.md
// says how to add one.

/** Where a flashcard session's cards come from (`source`). */
export const CARD_SOURCES = [
  {
    id: 'due',
    label: 'Due for review',
    description: 'The daily review: the cards due now (of the category, if one is chosen), the ones you are most likely to have forgotten first, then new ones.',
  },
  {
    id: 'category',
    label: 'One category',
    description: 'Cards drawn at random from the category chosen above.',
  },
];

/** A flashcard's four ratings (the answer's `rating`), in the order of their keys, as in Anki. */
export const RATINGS = [
  { id: 'again', label: 'Again', key: '1', hint: 'forgot' },
  { id: 'hard', label: 'Hard', key: '2', hint: 'with effort' },
  { id: 'good', label: 'Good', key: '3', hint: 'remembered' },
  { id: 'easy', label: 'Easy', key: '4', hint: 'effortless' },
];

/**
 * The modes, in the order they are offered; the first is the default. `request(choice)` turns
 * the form's choice ({bankId, category, count, timeLimitSeconds, source}) into the body of
 * `POST /sessions`; `countLabel` names what `count` counts; `needsCategory(choice)` says when a
 * category must be chosen.
 */
export const MODES = [
  {
    id: 'quiz',
    label: 'Quiz',
    description: 'Questions drawn at random from the bank. A wrong answer comes back at once with its choices reshuffled, and returns later until you get it right twice.',
    countLabel: 'Questions',
    // `quiz` is the API's default mode: no `mode` field, the request as it always was.
    request: ({ bankId, category, count, timeLimitSeconds }) => withCategory({ bankId, questionCount: count, timeLimitSeconds }, category),
    needsCategory: () => false,
    screen: 'quiz',
  },
  {
    id: 'review',
    label: 'Review',
    description: 'The questions due for review come first, the ones you are most likely to have forgotten first, then new ones; answered as in a quiz.',
    countLabel: 'Questions',
    request: ({ bankId, category, count, timeLimitSeconds }) =>
      withCategory({ mode: 'review', bankId, questionCount: count, timeLimitSeconds }, category),
    needsCategory: () => false,
    screen: 'quiz',
  },
  {
    id: 'flashcards',
    label: 'Flashcards',
    description: 'See the front of a card, recall the answer, reveal it and rate how well you remembered: again, hard, good or easy.',
    countLabel: 'Cards',
    request: ({ bankId, category, count, timeLimitSeconds, source }) =>
      withCategory({ mode: 'flashcards', bankId, source, cardCount: count, timeLimitSeconds }, category),
    needsCategory: ({ source }) => source === 'category',
    screen: 'cards',
  },
];

/** The route that runs a session of `mode` (the API's `mode`; absent means quiz). */
export function screenFor(mode) {
  return (MODES.find((candidate) => candidate.id === mode) ?? MODES[0]).screen;
}

function withCategory(body, category) {
  return category ? { ...body, category } : body;
}
