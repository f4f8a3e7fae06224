// The session modes the start screen offers: one entry per mode the API has. A mode says how to
// describe itself and what to add to `POST /sessions`; the quiz screen serves every mode whose
// questions are answered by choosing (docs/web-app.md says how to add one).

/** The modes, in the order they are offered; the first is the default. */
export const MODES = [
  {
    id: 'quiz',
    label: 'Quiz',
    description: 'Questions drawn at random from the bank. A wrong answer comes back at once with its choices reshuffled, and returns later until you get it right twice.',
    // `quiz` is the API's default mode: nothing to add to the request.
    sessionFields: () => ({}),
    screen: 'quiz',
  },
];
