// The `bootstrap` of the answer function: a Lambda custom runtime (provided.al2023) whose loop
// speaks the Runtime API; the function's code lives in Sources/QuizFunctions.
import QuizBootstrap

QuizBootstrap.runLambda(.answer)
