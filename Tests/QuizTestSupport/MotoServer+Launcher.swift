extension MotoServer {
    /// The Python program that runs moto: it exits when its standard input closes, prints the
    /// port it picked, and corrects four places where moto 5 departs from DynamoDB on behaviour
    /// the conformance suite checks. The backend is written against DynamoDB's documented
    /// behaviour; the corrections bring the fake to it rather than the backend or the suite to
    /// the fake.
    ///
    /// 1. `TransactWriteItems` takes up to 100 actions since September 2022
    ///    ([announcement](https://aws.amazon.com/about-aws/whats-new/2022/09/amazon-dynamodb-supports-100-actions-per-transaction/));
    ///    moto still refuses more than 25.
    /// 2. An ordering comparison (`<`, `<=`, `>`, `>=`) between values of different types is
    ///    false in DynamoDB ([comparison operators](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html#Expressions.OperatorsAndFunctions.Comparators));
    ///    moto compares the Python values and answers a string-to-number comparison with a 500
    ///    Internal Server Error.
    /// 3. DynamoDB counts an item's size as the UTF-8 length of each attribute name plus its
    ///    value, binaries by their bytes, up to 400 KB = 409,600 bytes
    ///    ([item sizes](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html));
    ///    moto counts a binary by its base64 text and stops at 405,000 bytes, so it refuses items
    ///    DynamoDB keeps.
    /// 4. In a transaction, an update that would grow an item past 400 KB cancels the
    ///    transaction with a `ValidationError` reason ("Item size to update has exceeded the
    ///    maximum allowed size", listed under TransactionCanceledException in the
    ///    [TransactWriteItems reference](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html));
    ///    moto fails the whole request with a ValidationException instead.
    /// 5. DynamoDB's transactions are serializable with every other request
    ///    ([isolation levels](https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-isolation));
    ///    moto serves requests on many threads, and a transaction that fails restores a copy of
    ///    each table it took before starting, wiping out whatever other threads wrote meanwhile
    ///    (found by the chaos run: an answer's session kept, its progress counter lost). Requests
    ///    are handled one at a time.
    ///
    /// One more change is a fault the retry tests ask for, not a correction: with
    /// `QUIZ_MOTO_LEAVE_UNPROCESSED=N`, the first N `BatchWriteItem` requests leave their last
    /// entry unprocessed and return it in `UnprocessedItems`, as DynamoDB does under load
    /// ([BatchWriteItem](https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html)).
    ///
    /// Other quirks of moto that need no correction: it answers requests with a bad signature as
    /// an XML `SignatureDoesNotMatch` with status 403 (DynamoDB: JSON `InvalidSignatureException`,
    /// status 400), and it closes the connection after every response.
    static let launcher = #"""
        import base64, os, socket, sys, threading

        def report_failure(kind, value, trace):
            # Standard error is discarded (the server logs every request there); the first line
            # of standard output is where the tests look for the port, so the failure goes there.
            print(f"launcher failed: {kind.__name__}: {value}", flush=True)
            os._exit(1)

        sys.excepthook = report_failure

        def watch_lifeline():
            sys.stdin.buffer.read()  # returns at end of file: the test process has gone
            os._exit(0)

        threading.Thread(target=watch_lifeline, daemon=True).start()

        from moto.dynamodb import comparisons, responses
        from moto.dynamodb.exceptions import ItemSizeTooLarge, ItemSizeToUpdateTooLarge
        from moto.dynamodb.models import DynamoDBBackend
        from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
        from moto.dynamodb.models.utilities import bytesize

        # 1. Up to 100 actions per transaction.
        responses.TRANSACTION_MAX_ITEMS = 100

        # 2. Ordering comparisons across types are false.
        def false_on_type_mismatch(original):
            def expr(self, item):
                try:
                    return original(self, item)
                except TypeError:
                    return False
            return expr

        for op in (comparisons.OpLessThan, comparisons.OpLessThanOrEqual,
                   comparisons.OpGreaterThan, comparisons.OpGreaterThanOrEqual):
            op.expr = false_on_type_mismatch(op.expr)

        # 3. Sizes as DynamoDB counts them.
        original_size = DynamoType.size

        def size(self):
            if self.is_binary() and isinstance(self.value, str):
                return len(base64.b64decode(self.value))
            return original_size(self)

        DynamoType.size = size

        def attribute_size(name, value):
            return bytesize(name) + (value.size() if isinstance(value, DynamoType) else bytesize(str(value)))

        def set_attribute(self, name, value):
            others = sum(attribute_size(k, v) for k, v in self.items() if k != name)
            if others + attribute_size(name, value) > 400 * 1024:
                raise ItemSizeTooLarge
            dict.__setitem__(self, name, value)

        LimitedSizeDict.__setitem__ = set_attribute

        # 4. An oversized update cancels a transaction with a ValidationError reason.
        class ValidationError(Exception):
            pass

        in_transaction = threading.local()
        original_update = DynamoDBBackend.update_item
        original_transact = DynamoDBBackend.transact_write_items

        def update_item(self, *args, **kwargs):
            try:
                return original_update(self, *args, **kwargs)
            except ItemSizeToUpdateTooLarge as error:
                if getattr(in_transaction, "active", False):
                    raise ValidationError(error.message) from None
                raise

        def transact_write_items(self, *args, **kwargs):
            in_transaction.active = True
            try:
                return original_transact(self, *args, **kwargs)
            finally:
                in_transaction.active = False

        DynamoDBBackend.update_item = update_item
        DynamoDBBackend.transact_write_items = transact_write_items

        # Fault injection: the first N batch writes leave their last entry unprocessed.
        from moto.dynamodb.responses import DynamoHandler
        unprocessed_lock = threading.Lock()
        unprocessed_left = [int(os.environ.get("QUIZ_MOTO_LEAVE_UNPROCESSED", "0"))]
        original_batch_write = DynamoHandler.batch_write_item

        def batch_write_item(self):
            with unprocessed_lock:
                hold = unprocessed_left[0] > 0
                unprocessed_left[0] -= 1 if hold else 0
            if not hold:
                return original_batch_write(self)
            table, requests = next(iter(self.body["RequestItems"].items()))
            held = requests.pop()
            result = original_batch_write(self)
            result.result["UnprocessedItems"] = {table: [held]}
            return result

        DynamoHandler.batch_write_item = batch_write_item

        # 5. One request at a time: transactions serializable with everything else.
        serial = threading.Lock()
        original_call_action = DynamoHandler.call_action
        def call_action(self):
            with serial:
                return original_call_action(self)
        DynamoHandler.call_action = call_action

        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        print(port, flush=True)

        from moto.server import main
        main(["-H", "127.0.0.1", "-p", str(port)])
        """#
}
