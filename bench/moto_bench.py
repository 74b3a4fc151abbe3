#!/usr/bin/env python3
"""moto_server for the burst benchmark at scale: the same moto 5.2.1, with three of its per-request lookups made
constant-time. Every patch keeps moto's answers as they were; none changes what a request does.

Why: plain moto makes a 1,000-warning burst measure moto's own growth, not MaxGroup.
  1. Every request lists moto's package folder (about 150 `isdir` calls) to find its backend. The folder does not
     change while the server runs, so the listing is taken once.
  2. An EC2 resource's tags are found by scanning every tag of every resource with a regular expression
     (`TaggedEC2Resource.get_tags` -> `describe_tags(resource-id filter)`), so `DescribeInstances` with a tag filter
     costs O(instances x tags). Here a resource's tags are read from the backend's own per-resource dict, in the same
     order and the same shape.
  3. `TransactWriteItems` deep-copies the whole table once per item of the transaction, to roll back from on
     cancel. Only the items the transaction names can change while it runs (the serialising proxy lets one DynamoDB
     request through at a time), so the backup here is a table that shares every other item with the live one and
     holds a deep copy of each named item: the rollback restores the same state, at a cost that no longer grows with
     the table (a table with streams, or a transaction with a key this cannot read, is still deep-copied whole).
     Only behind the serialising proxy: without it a concurrent request's in-place update of an unnamed item would
     survive a rollback that moto's whole-table copy wipes.
  4. The server logs every request line to the console; that logging is turned off.

  python3 bench/moto_bench.py -H 127.0.0.1 -p PORT       (the arguments of moto_server)
  python3 bench/moto_bench.py --check                      runs the same calls on moto as it is and patched, exits 1 if any differ
"""

import copy
import logging
import sys
import threading

from moto import backends
from moto.ec2.models.core import TaggedEC2Resource
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix


def _patch_module_listing() -> None:
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def _tags_direct(self):  # same shape and order as describe_tags(filters={"resource-id": [self.id]})
    resource_id = getattr(self, "id", None)
    if not resource_id:
        return []
    tags = self.ec2_backend.tags.get(resource_id)
    if not tags:
        return []
    resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
    return [{"resource_id": resource_id, "key": key, "value": value, "resource_type": resource_type}
            for key, value in list(tags.items())]


def _patch_tag_lookup() -> None:
    TaggedEC2Resource.get_tags = _tags_direct


def _named_keys(backend, transact_items) -> dict | None:
    """Per table name, the (hash, range) DynamoType keys the transaction's items name (a Put's from its Item, every
    other operation's from its Key); None when any cannot be read, and then the tables are deep-copied whole as moto
    does, so moto answers a malformed request exactly as it would."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    keys: dict = {}
    try:
        for item in transact_items:
            op_type, op = next(iter(item.items()))
            table = backend.tables[op["TableName"]]
            attrs = op["Item"] if op_type == "Put" else op["Key"]
            range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr is not None else None
            hash_value = DynamoType(attrs[table.hash_key_attr])
            hash(hash_value), hash(range_value)  # a key value of a type that is no key (L, M, sets) fails here, not later
            keys.setdefault(table.name, []).append((hash_value, range_value))
    except Exception:  # noqa: BLE001 - any unreadable key: whole-table backup, moto's own error
        return None
    return keys


def _backup_of(table, keys):
    """A copy of `table` for the rollback: its own item maps, sharing every item not in `keys`, deep-copying those."""
    backup = copy.copy(table)
    backup.items = copy.copy(table.items)
    for hash_value in {h for h, _ in keys}:
        if hash_value not in table.items:
            continue
        if table.range_key_attr is None:
            backup.items[hash_value] = copy.deepcopy(table.items[hash_value])
        else:
            named = {r for h, r in keys if h == hash_value}
            backup.items[hash_value] = {r: (copy.deepcopy(i) if r in named else i) for r, i in table.items[hash_value].items()}
    return backup


def _patch_transaction_backup() -> None:
    from moto.dynamodb import models as dynamodb
    from moto.dynamodb.models.table import Table

    pending = threading.local()

    class _CopyNamedItems:
        """moto.dynamodb.models' `copy`: inside a transaction a Table's backup copies only the items the transaction
        names (once per transaction); everything else as before."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(obj, memo=None):
            keys = getattr(pending, "keys", None)
            if keys is None or memo is not None or not isinstance(obj, Table) or obj.stream_shard is not None:
                return copy.deepcopy(obj, memo)
            if id(obj) not in pending.backups:
                try:
                    pending.backups[id(obj)] = _backup_of(obj, keys.get(obj.name, []))
                except Exception:  # noqa: BLE001 - a key this copy cannot place: the whole table, as moto copies it
                    pending.backups[id(obj)] = copy.deepcopy(obj)
            return pending.backups[id(obj)]

    transact = dynamodb.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        pending.keys, pending.backups = _named_keys(self, transact_items), {}
        try:
            return transact(self, transact_items)
        finally:
            pending.keys = pending.backups = None

    dynamodb.copy = _CopyNamedItems()
    dynamodb.DynamoDBBackend.transact_write_items = transact_write_items


def _check_transactions() -> list[str]:
    """The same transactions (applied, cancelled and rolled back) on moto as it is and patched: the tables must match."""
    import boto3
    from moto import mock_aws

    def run() -> list:
        with mock_aws():
            db = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
            db.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
            db.create_table(TableName="rk", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
                            BillingMode="PAY_PER_REQUEST")
            outcomes = []
            for n in range(30):
                items = [
                    {"Put": {"TableName": "t", "Item": {"pk": {"S": f"r{n}"}, "v": {"N": str(n)}},
                             "ConditionExpression": "attribute_not_exists(pk)"}},
                    {"Update": {"TableName": "t", "Key": {"pk": {"S": "slots"}}, "UpdateExpression": "ADD s :e",
                                "ConditionExpression": "attribute_not_exists(s) OR size(s) < :cap",
                                "ExpressionAttributeValues": {":e": {"SS": [f"r{n}"]}, ":cap": {"N": "20"}}}},
                    {"Update": {"TableName": "t", "Key": {"pk": {"S": f"g{n % 3}"}}, "UpdateExpression": "ADD s :e",
                                "ExpressionAttributeValues": {":e": {"SS": [f"r{n}"]}}}},
                    # A range-key table: items updated in place, beside others under the same hash key.
                    {"Update": {"TableName": "rk", "Key": {"pk": {"S": f"g{n % 3}"}, "sk": {"S": f"s{n % 5}"}},
                                "UpdateExpression": "ADD c :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
                ]
                if n % 7 == 6:  # a second try of an earlier record: cancelled on the first item
                    items[0]["Put"]["Item"]["pk"]["S"] = f"r{n - 1}"
                try:
                    db.transact_write_items(TransactItems=items)
                    outcomes.append("written")
                except db.exceptions.TransactionCanceledException as ex:
                    outcomes.append([r["Code"] for r in ex.response["CancellationReasons"]])
            table = sorted(db.scan(TableName="t", ConsistentRead=True)["Items"], key=lambda i: i["pk"]["S"])
            ranged = sorted(db.scan(TableName="rk", ConsistentRead=True)["Items"], key=lambda i: (i["pk"]["S"], i["sk"]["S"]))
            return [outcomes, table, ranged]

    from moto.dynamodb import models as dynamodb

    saved = (dynamodb.copy, dynamodb.DynamoDBBackend.transact_write_items)
    plain = run()
    _patch_transaction_backup()
    try:
        patched = run()
    finally:
        dynamodb.copy, dynamodb.DynamoDBBackend.transact_write_items = saved
    cancelled = sum(1 for o in plain[0] if o != "written")
    print(f"transactions: 30 run ({cancelled} cancelled, {len(plain[1])} + {len(plain[2])} items left), answers and tables "
          + ("identical" if plain == patched else "DIFFER"))
    return [] if plain == patched else ["TransactWriteItems"]


def _check() -> int:
    """Runs the same EC2 calls through boto3 on moto (in process) with moto's tag lookup and with this one; exits 1 if
    any answer differs."""
    import os

    import boto3
    from moto import mock_aws

    # In process only: an endpoint inherited from the caller (a test process that ran the demo sets AWS_ENDPOINT_URL)
    # would send boto3 past mock_aws to a live emulator, whose state outlives each mock_aws block.
    for name in [n for n in os.environ if n == "AWS_ENDPOINT_URL" or n.startswith("AWS_ENDPOINT_URL_")]:
        del os.environ[name]

    original = TaggedEC2Resource.get_tags
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=image, MinCount=40, MaxCount=40)["Instances"]]
        # Tags with wildcard characters and one untagged instance: the cases a regex scan could treat specially.
        for n, instance_id in enumerate(ids[:-1]):
            ec2.create_tags(Resources=[instance_id], Tags=[
                {"Key": "Name", "Value": f"n{n}"}, {"Key": "spotmax:replaces", "Value": f"i-{n:x}*?"}, {"Key": f"k{n % 3}", "Value": "v"}])
        calls = [
            ("DescribeInstances", lambda: ec2.describe_instances(MaxResults=1000)),
            ("DescribeInstances tag-key", lambda: ec2.describe_instances(Filters=[{"Name": "tag-key", "Values": ["spotmax:replaces"]}])),
            ("DescribeInstances tag value", lambda: ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["n1", "n17"]}])),
            ("DescribeInstances ids", lambda: ec2.describe_instances(InstanceIds=ids[:5])),
            ("DescribeTags", lambda: ec2.describe_tags(MaxResults=1000)),
        ]
        answers = {}
        for lookup in (original, _tags_direct):
            TaggedEC2Resource.get_tags = lookup
            for name, call in calls:
                answer = call()
                answer.pop("ResponseMetadata", None)
                answers.setdefault(name, []).append(answer)
        TaggedEC2Resource.get_tags = original
    differ = [name for name, (a, b) in answers.items() if a != b]
    print(f"tag lookup: {len(calls)} EC2 calls on {len(ids)} instances compared, {len(differ)} differ" + (f": {differ}" if differ else ""))
    differ += _check_transactions()
    return 1 if differ else 0


def main() -> int:
    if sys.argv[1:] == ["--check"]:
        return _check()
    _patch_module_listing()
    _patch_tag_lookup()
    _patch_transaction_backup()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from moto.server import main as moto_main

    sys.argv = ["moto_server", *sys.argv[1:]]
    moto_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
