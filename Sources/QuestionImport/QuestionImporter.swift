import QuizEngine
import StrictJSON

/// Turns the body of `POST /banks/{bankId}/questions` into validated questions
/// (docs/http-contract.md#importing-questions).
///
/// Every row is read and checked before the importer answers, and it answers with either all the
/// questions or an error listing every problem of every row, so the caller writes only a fully
/// valid upload. The importer is pure: no I/O, no clock, no storage. The caller enforces the body
/// size limit (413) before calling; the importer caps the number of questions.
///
/// ```swift
/// let importer = QuestionImporter()
/// do {
///     let result = try importer.importQuestions(from: body, contentType: contentType)
///     // write result.questions to the bank
/// } catch {
///     // error is an ImportError: error.code gives the status, error.rows the details
/// }
/// ```
public struct QuestionImporter: Sendable {
    /// Settings of an importer, with the defaults of docs/http-contract.md#importing-questions.
    public struct Configuration: Sendable, Hashable {
        /// The most questions one upload may hold.
        public var maxQuestions: Int
        /// The most row errors an `ImportError` lists; it still counts the others
        /// (`ImportError.unlistedRowErrorCount`). This bounds the size of a 422 response, which
        /// would otherwise grow with the number of mistakes in the body.
        public var maxListedErrors: Int

        /// A configuration; at most 5,000 questions per upload and 1,000 listed errors unless told
        /// otherwise.
        public init(maxQuestions: Int = 5_000, maxListedErrors: Int = 1_000) {
            precondition(maxQuestions > 0, "an upload must be allowed at least one question")
            precondition(maxListedErrors > 0, "an error must be able to list at least one problem")
            self.maxQuestions = maxQuestions
            self.maxListedErrors = maxListedErrors
        }
    }

    /// The importer's settings.
    public var configuration: Configuration

    /// An importer with the given settings.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The questions of an uploaded body, all valid, in upload order.
    ///
    /// The format follows `contentType` (see `ImportFormat.declared(byContentType:)`); when that
    /// is missing or generic, the body's first character decides (`ImportFormat.sniffed(from:)`).
    /// A leading UTF-8 byte order mark is ignored.
    ///
    /// - Parameters:
    ///   - body: The request body as sent, UTF-8.
    ///   - contentType: The request's `Content-Type` header, if any.
    /// - Throws: `ImportError`, whose code says what kind of refusal it is and whose `rows` list
    ///   the problems found (all of them, up to `Configuration.maxListedErrors`); nothing of the
    ///   upload may be written then.
    public func importQuestions(
        from body: some Collection<UInt8>, contentType: String?
    ) throws(ImportError) -> ImportResult {
        let declaredFormat = try ImportFormat.declared(byContentType: contentType)
        let bytes = Array(body)[...].droppingByteOrderMark()
        guard let sniffedFormat = ImportFormat.sniffed(from: bytes) else {
            throw .emptyUpload
        }
        if let offset = TextPosition.firstInvalidUTF8(in: bytes) {
            let position = TextPosition.of(offset: offset, in: bytes)
            throw .malformedDocument("the upload must be UTF-8 text, and \(position) is not")
        }
        let format = declaredFormat ?? sniffedFormat
        let drafts = try format.drafts(from: bytes, configuration: configuration)
        guard !drafts.isEmpty else {
            throw .emptyUpload
        }

        var validator = QuestionValidator(maxListedErrors: configuration.maxListedErrors)
        var questions: [Question] = []
        questions.reserveCapacity(drafts.count)
        for draft in drafts {
            if let question = validator.validate(draft) {
                questions.append(question)
            }
        }
        if let error = validator.error {
            throw error
        }
        return ImportResult(format: format, questions: questions)
    }

    /// The questions of an uploaded body given as text; see `importQuestions(from:contentType:)`.
    public func importQuestions(from body: String, contentType: String?) throws(ImportError) -> ImportResult {
        try importQuestions(from: body.utf8, contentType: contentType)
    }
}

/// The questions of an accepted upload.
public struct ImportResult: Sendable, Hashable {
    /// The format the upload was read as.
    public var format: ImportFormat
    /// The questions, valid and in upload order, with unique ids.
    public var questions: [Question]

    /// A result.
    public init(format: ImportFormat, questions: [Question]) {
        self.format = format
        self.questions = questions
    }
}
