"""Offline check of the simulator's Bronto WSDL with the tap's own zeep.

    bench/.venv-bronto/bin/python bench/bronto/check_wsdl.py WSDL_FILE_OR_URL

Loads the WSDL (a file written by `quarry sim bronto --print-wsdl`-like means,
or GET /v4?wsdl of a running simulator), builds with Client.create_message the
envelope of every call tap-bronto 1.0.2 makes, with the arguments it passes
(tap_bronto/endpoints/*.py), prints them, checks them against apis.md 2.4
(operation element in http://api.bronto.com/v4, unqualified children,
sessionHeader/sessionId in the header), and parses a sample answer of each
operation as the tap then reads it (len(), zeep.helpers.serialize_object).
Exits 1 on the first mismatch.
"""

import datetime as dt
import sys

import zeep
from lxml import etree
from zeep.helpers import serialize_object

NS = "http://api.bronto.com/v4"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check_envelope(client, name, element, expect_children, header=True):
    body = element.find("{%s}Body" % ENV)
    op = body[0]
    if op.tag != "{%s}%s" % (NS, name):
        fail("%s: body element %s" % (name, op.tag))
    children = [c.tag for c in op]
    if children != expect_children:
        fail("%s: children %s, expected %s" % (name, children, expect_children))
    hdr = element.find("{%s}Header" % ENV)
    if header:
        sh = hdr.find("{%s}sessionHeader" % NS) if hdr is not None else None
        if sh is None or sh.find("sessionId") is None or sh.find("sessionId").text != "SID-1":
            fail("%s: no sessionHeader/sessionId SID-1 in %s" % (name, etree.tostring(element)))
    elif hdr is not None and len(hdr):
        fail("%s: unexpected header" % name)


def answer(name, inner):
    return ('<soap:Envelope xmlns:soap="%s"><soap:Body><ns2:%sResponse xmlns:ns2="%s">%s'
            '</ns2:%sResponse></soap:Body></soap:Envelope>' % (ENV, name, NS, inner, name)).encode()


def create(client, name, *args, **kwargs):
    """The envelope the tap's client.service.<name>(...) would send: the default
    SOAP headers are added by the service proxy, as zeep does on a call."""
    if client._default_soapheaders:
        kwargs["_soapheaders"] = client._default_soapheaders
    return client.create_message(client.service, name, *args, **kwargs)


class Reply:
    """The parts of a requests.Response that zeep's binding reads."""

    def __init__(self, xml, status):
        self.content, self.status_code, self.encoding = xml, status, "utf-8"
        self.headers = {"Content-Type": "text/xml; charset=utf-8"}


def parse(client, name, xml, status=200):
    """What client.service.<name>() returns for this answer (or raises)."""
    binding = client.service._binding
    return binding.process_reply(client, binding.get(name), Reply(xml, status))


CONTACT = ("<return><id>0bc403ec000000000000000000000000a1b2</id><email>jane@example.com</email>"
           "<status>active</status><msgPref>html</msgPref><source>api</source>"
           "<created>2026-10-30T10:11:12.000Z</created><modified>2026-11-01T01:02:03.000Z</modified>"
           "<deleted>false</deleted><listIds>0bbc03ec000000000000000000000003</listIds>"
           "<listIds>0bbc03ec000000000000000000000004</listIds>"
           "<fields><fieldId>0bc903ec0000000000000000000000000001</fieldId><content>Jane</content></fields>"
           "<numSends>12</numSends><numBounces>0</numBounces><numOpens>5</numOpens><numClicks>1</numClicks>"
           "<numConversions>0</numConversions><conversionAmount>0.0</conversionAmount>"
           "<readOnlyContactData><geoIPCity>Paris</geoIPCity><primaryBrowser>Firefox</primaryBrowser>"
           "<totalOrders>3</totalOrders><lastOpenDate>2026-11-01T00:00:00.000Z</lastOpenDate>"
           "</readOnlyContactData></return>")
ACTIVITY = ("<return><createdDate>2026-11-01T00:10:00.000Z</createdDate><contactId>c1</contactId>"
            "<listId>l1</listId><messageId>m1</messageId><deliveryId>d1</deliveryId>"
            "<activityType>click</activityType><emailAddress>a@example.com</emailAddress>"
            "<linkName>Buy</linkName><linkUrl>https://example.com/buy</linkUrl></return>")


def main():
    client = zeep.Client(sys.argv[1])
    factory = client.type_factory(NS)
    print("zeep", zeep.__version__ if hasattr(zeep, "__version__") else "?")

    # login: no header yet.
    msg = create(client, "login", "TOKEN-1")
    print(etree.tostring(msg, pretty_print=True).decode())
    check_envelope(client, "login", msg, ["apiToken"], header=False)
    if parse(client, "login", answer("login", "<return>SID-1</return>")) != "SID-1":
        fail("login answer")

    session_header = client.get_element("{%s}sessionHeader" % NS)
    client.set_default_soapheaders([session_header(sessionId="SID-1")])
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    end = start + dt.timedelta(hours=6)

    # readContacts, as ContactStream.sync (include flags always False, peers.md 3.3).
    f = factory["contactFilter"](type="AND", modified=[
        factory["dateValue"](value=start, operator="AfterOrSameDay"),
        factory["dateValue"](value=end, operator="Before")])
    msg = create(client, "readContacts", filter=f, includeLists=True,
                                fields=[], pageNumber=1, includeSMSKeywords=True,
                                includeGeoIPData=False, includeTechnologyData=False,
                                includeRFMData=False, includeEngagementData=False)
    print(etree.tostring(msg, pretty_print=True).decode())
    check_envelope(client, "readContacts", msg,
                   ["filter", "includeLists", "pageNumber", "includeSMSKeywords",
                    "includeGeoIPData", "includeTechnologyData", "includeRFMData",
                    "includeEngagementData"])
    flt = msg.find(".//filter")
    if [c.tag for c in flt] != ["type", "modified", "modified"]:
        fail("contactFilter children %s" % [c.tag for c in flt])
    if [c.tag for c in flt[1]] != ["operator", "value"]:
        fail("dateValue children %s" % [c.tag for c in flt[1]])
    rows = parse(client, "readContacts", answer("readContacts", CONTACT * 2))
    if len(rows) != 2:
        fail("readContacts answer: %r" % rows)
    d = serialize_object(rows[0], target_cls=dict)
    if d["listIds"] != ["0bbc03ec000000000000000000000003", "0bbc03ec000000000000000000000004"] \
            or d["readOnlyContactData"]["geoIPCity"] != "Paris" or d["numOpens"] != 5:
        fail("readContacts record: %r" % d)
    print("readContacts answer ->", {k: d[k] for k in ("id", "modified", "listIds", "fields")})
    empty = parse(client, "readContacts", answer("readContacts", ""))
    if empty is None or len(empty) != 0:
        fail("empty readContacts answer: %r (the tap calls len() on it)" % (empty,))

    # readLists, as ListStream.sync.
    msg = create(client, "readLists", filter=factory["mailListFilter"](),
                                pageNumber=1, pageSize=5000)
    print(etree.tostring(msg, pretty_print=True).decode())
    check_envelope(client, "readLists", msg, ["filter", "pageNumber", "pageSize"])
    rows = parse(client, "readLists", answer("readLists", (
        "<return><id>l1</id><name>main</name><label>Main</label><activeCount>42</activeCount>"
        "<status>active</status><visibility>private</visibility></return>")))
    if len(rows) != 1 or rows[0].activeCount != 42:
        fail("readLists answer %r" % rows)

    # readUnsubscribes, as UnsubscribeStream.sync.
    msg = create(client, "readUnsubscribes",
                                filter=factory["unsubscribeFilter"](start=start, end=end),
                                pageNumber=1)
    print(etree.tostring(msg, pretty_print=True).decode())
    check_envelope(client, "readUnsubscribes", msg, ["filter", "pageNumber"])
    rows = parse(client, "readUnsubscribes", answer("readUnsubscribes", (
        "<return><contactId>c1</contactId><deliveryId>d1</deliveryId><method>subscriber</method>"
        "<created>2026-11-01T02:00:00.000Z</created></return>")))
    if len(rows) != 1 or rows[0].method != "subscriber":
        fail("readUnsubscribes answer %r" % rows)

    # readRecent{Inbound,Outbound}Activities, as *ActivityStream.sync: FIRST, then
    # the same filter object with readDirection NEXT.
    for direction in ("Inbound", "Outbound"):
        name = "readRecent%sActivities" % direction
        f = factory["recent%sActivitySearchRequest" % direction](
            start=start, end=start + dt.timedelta(hours=1), size=5000, readDirection="FIRST")
        for read_direction in ("FIRST", "NEXT"):
            f.readDirection = read_direction
            msg = create(client, name, filter=f)
            print(etree.tostring(msg, pretty_print=True).decode())
            check_envelope(client, name, msg, ["filter"])
            got = [(c.tag, c.text) for c in msg.find(".//filter")]
            if [t for t, _ in got] != ["start", "end", "size", "readDirection"] \
                    or got[3][1] != read_direction or got[2][1] != "5000":
                fail("%s filter %s" % (name, got))
        rows = parse(client, name, answer(name, ACTIVITY))
        d = serialize_object(rows[0], target_cls=dict)
        if d["linkUrl"] != "https://example.com/buy" or d["createdDate"].tzinfo is None:
            fail("%s answer %r" % (name, d))

    # A fault: zeep raises Fault whose message the tap searches for '103' / '116'.
    fault = ('<soap:Envelope xmlns:soap="%s"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode>'
             '<faultstring>116: End of result set</faultstring><detail><ns2:ApiException '
             'xmlns:ns2="%s"><errorCode>116</errorCode></ns2:ApiException></detail></soap:Fault>'
             '</soap:Body></soap:Envelope>' % (ENV, NS))
    try:
        parse(client, "readRecentInboundActivities", fault.encode(), 500)
        fail("fault not raised")
    except zeep.exceptions.Fault as e:
        if "116" not in e.message:
            fail("fault message %r" % e.message)
    print("OK: Bronto WSDL, 7 request shapes and 6 answers as tap-bronto sends and reads them")


if __name__ == "__main__":
    main()
