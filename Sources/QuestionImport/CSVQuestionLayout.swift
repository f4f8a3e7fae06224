import QuizEngine

/// The column layout of a CSV upload, read from its header row, and the reading of data rows
/// by it. The layout is documented on `ImportFormat.csv`.
struct CSVQuestionLayout: Sendable {
    /// What a column holds.
    enum Column: Hashable, Sendable {
        case id, category, text, correct, explanation, source
        /// The text of the choice with this id.
        case answer(id: String)
    }

    /// The name prefix of answer columns.
    static let answerPrefix = "answer:"

    private static let columnsByName: [String: Column] = [
        "id": .id, "category": .category, "text": .text, "correct": .correct, "explanation": .explanation,
        "source": .source,
    ]

    /// The columns, in header order.
    let columns: [Column]

    /// The layout the header record `header` declares.
    /// - Throws: `ImportError.Code.malformedDocument` listing every unnamed, unknown, repeated or
    ///   missing column, up to `maxListedErrors` of them.
    init(header: CSVRecord, maxListedErrors: Int) throws(ImportError) {
        var columns: [Column] = []
        var seen: Set<Column> = []
        var problems: [RowError] = []
        func problem(_ field: String?, _ message: String) {
            problems.append(RowError(row: header.line, field: field, message: message))
        }

        for (position, rawName) in header.fields.enumerated() {
            let name = rawName.trimmed()
            // Enough of a name to recognise it by, for a header that is really a long line of data.
            let shortName = String(name.prefix(64))
            let column: Column
            if name.isEmpty {
                problem(nil, "column \(position + 1) of the header has no name")
                continue
            } else if name.lowercased().hasPrefix(Self.answerPrefix) {
                let choiceId = name.dropFirst(Self.answerPrefix.count).trimmed()
                if choiceId.isEmpty {
                    problem(shortName, "an answer column needs a choice id after the colon, as in answer:a")
                    continue
                } else if let invalid = Identifier.problem(with: String(choiceId), as: .choice) {
                    problem(shortName, RowCheck.message(for: invalid, name: "the choice id", alphabet: .text))
                    continue
                }
                column = .answer(id: choiceId)
            } else if let known = Self.columnsByName[name.lowercased()] {
                column = known
            } else {
                problem(
                    shortName,
                    "unknown column; the columns are id, category, text, correct, explanation, source and "
                        + "answer:<choiceId>"
                )
                continue
            }
            if !seen.insert(column).inserted {
                problem(Self.name(of: column), "the column appears more than once")
            }
            columns.append(column)
        }

        for required in [Column.id, .text, .correct] where !seen.contains(required) {
            problem(Self.name(of: required), "the required column is missing")
        }
        let answerColumns = columns.count { if case .answer = $0 { true } else { false } }
        if answerColumns < QuestionLimits.minAnswers {
            problem(
                Self.answerPrefix,
                "at least \(QuestionLimits.minAnswers) answer columns (answer:a, answer:b, …) are required; "
                    + "found \(answerColumns)"
            )
        }
        guard problems.isEmpty else {
            let listed = Array(problems.prefix(maxListedErrors))
            throw ImportError(
                .malformedDocument, "the CSV header is invalid", rows: listed,
                unlistedRowErrorCount: problems.count - listed.count
            )
        }
        self.columns = columns
    }

    /// The name errors give `column`: `id`, `answer:b`, ….
    static func name(of column: Column) -> String {
        switch column {
        case .id: "id"
        case .category: "category"
        case .text: "text"
        case .correct: "correct"
        case .explanation: "explanation"
        case .source: "source"
        case .answer(let id): answerPrefix + id
        }
    }

    // MARK: - Rows

    /// The draft of the data record `record`.
    func draft(from record: CSVRecord) -> QuestionDraft {
        var draft = QuestionDraft(row: record.line, correctAnswersField: "correct")
        guard record.fields.count == columns.count else {
            if let idColumn = columns.firstIndex(of: .id), idColumn < record.fields.count {
                draft.id = nonEmpty(record.fields[idColumn])
            }
            draft.recordReadError(
                field: nil, "the row has \(record.fields.count) fields but the header has \(columns.count)"
            )
            return draft
        }
        var answers: [ChoiceDraft] = []
        for (column, field) in zip(columns, record.fields) {
            let value = nonEmpty(field)
            switch column {
            case .id: draft.id = value
            case .category: draft.category = value
            case .text: draft.text = value
            case .explanation: draft.explanation = value
            case .source: draft.source = value
            case .correct:
                draft.correctAnswers = (value ?? "").split(separator: "|").map { $0.trimmed() }.filter { !$0.isEmpty }
            case .answer(let id):
                guard let value else { continue }
                let name = Self.name(of: column)
                answers.append(ChoiceDraft(id: id, text: value, field: name, idField: name, textField: name))
            }
        }
        draft.answers = answers
        return draft
    }

    private func nonEmpty(_ field: String) -> String? {
        let trimmed = field.trimmed()
        return trimmed.isEmpty ? nil : trimmed
    }
}
