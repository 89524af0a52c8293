"""Offline check of the simulator's Listrak WSDL with the tap's own zeep.

    bench/.venv-listrak/bin/python bench/listrak/check_wsdl.py WSDL_FILE_OR_URL

Loads the WSDL (a file, or GET /v31/IntegrationService.asmx?WSDL of a running
simulator), builds with Client.create_message the envelope of every call
tap-listrak 1.1.0 makes, with the arguments it passes (tap_listrak/streams.py:
an aware StartDate from pendulum, a naive EndDate from datetime.utcnow()),
prints them, checks them against apis.md 3.3 (method element and children in
http://webservices.listrak.com/v31/, WSUser/UserName/Password header,
SOAPAction "<namespace><Method>"), and parses a sample answer of each method
as the tap then reads it. Exits 1 on the first mismatch.
"""

import datetime as dt
import sys

import pendulum
import zeep
from lxml import etree
from zeep.helpers import serialize_object

NS = "http://webservices.listrak.com/v31/"
ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


class Reply:
    """The parts of a requests.Response that zeep's binding reads."""

    def __init__(self, xml, status=200):
        self.content, self.status_code, self.encoding = xml, status, "utf-8"
        self.headers = {"Content-Type": "text/xml; charset=utf-8"}


def call(client, name, answer_inner, **kwargs):
    """Checks the envelope of client.service.<name>(**kwargs) and returns what
    that call returns for <nameResponse>answer_inner</nameResponse>."""
    binding = client.service._binding
    op = binding.get(name)
    if op.soapaction != NS + name:
        fail("%s: SOAPAction %r" % (name, op.soapaction))
    msg = client.create_message(client.service, name,
                                _soapheaders=client._default_soapheaders, **kwargs)
    print(etree.tostring(msg, pretty_print=True).decode())
    user = msg.find("{%s}Header/{%s}WSUser" % (ENV, NS))
    if user is None or [(c.tag, c.text) for c in user] != [
            ("{%s}UserName" % NS, "bench-user"), ("{%s}Password" % NS, "bench-password")]:
        fail("%s: WSUser header" % name)
    body = msg.find("{%s}Body" % ENV)[0]
    if body.tag != "{%s}%s" % (NS, name):
        fail("%s: body element %s" % (name, body.tag))
    sent = [c.tag.replace("{%s}" % NS, "") for c in body]
    if sent != list(kwargs):
        fail("%s: children %s, expected %s" % (name, sent, list(kwargs)))
    xml = ('<soap:Envelope xmlns:soap="%s" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><%sResponse xmlns="%s">%s'
           '</%sResponse></soap:Body></soap:Envelope>' % (ENV, name, NS, answer_inner, name))
    return binding.process_reply(client, op, Reply(xml.encode()))


def result(name, items):
    return "<%sResult>%s</%sResult>" % (name, items, name)


def main():
    client = zeep.Client(sys.argv[1])
    user = client.get_element("{%s}WSUser" % NS)
    client.set_default_soapheaders([user(UserName="bench-user", Password="bench-password")])
    start = pendulum.parse("2026-01-01T00:00:00Z")
    now = dt.datetime.utcnow()

    # lists: transform(response) must be the list of WSContactList.
    lists = call(client, "GetContactListCollection", result(
        "GetContactListCollection",
        "<WSContactList><ListID>7</ListID><ListName>Main</ListName>"
        "<CreateDate>2025-01-02T03:04:05</CreateDate><BounceUnsubscribeCount>3</BounceUnsubscribeCount>"
        "<EnableDoubleOptin>false</EnableDoubleOptin><Vmta><VmtaID>1</VmtaID><Description>shared"
        "</Description></Vmta><GoogleTrackingDomains><string>a.example</string></GoogleTrackingDomains>"
        "</WSContactList>"))
    lists = serialize_object(lists)
    if not isinstance(lists, list) or lists[0]["ListID"] != 7 or lists[0]["Vmta"]["VmtaID"] != 1:
        fail("GetContactListCollection answer %r" % lists)

    # messages: response["ReportListMessageActivityResult"]["WSMessageActivity"].
    r = call(client, "ReportListMessageActivity",
             '<WSException xsi:nil="true"/>' + result(
                 "ReportListMessageActivity",
                 "<WSMessageActivity><MsgID>100</MsgID><ListID>7</ListID><Subject>Hi</Subject>"
                 "<SendDate>2026-03-01T10:00:00</SendDate><DeliverCount>40</DeliverCount>"
                 "<OpenPercent>12.5</OpenPercent></WSMessageActivity>"),
             ListID=7, StartDate=start, EndDate=now, IncludeTestMessages=True)
    msgs = serialize_object(r["ReportListMessageActivityResult"]["WSMessageActivity"])
    if msgs[0]["MsgID"] != 100 or msgs[0]["OpenPercent"] != 12.5:
        fail("ReportListMessageActivity answer %r" % msgs)
    r = call(client, "ReportListMessageActivity",
             '<WSException xsi:nil="true"/><ReportListMessageActivityResult/>',
             ListID=7, StartDate=start, EndDate=now, IncludeTestMessages=True)
    if r["ReportListMessageActivityResult"]:
        fail("empty ReportListMessageActivity answer is truthy: %r" % r)

    # message_* sub-streams: the response itself is the list; empty is falsy.
    rows = {
        "ReportRangeMessageContactClick": "<WSContactClick><ContactID>c1</ContactID><EmailAddress>a@x"
        "</EmailAddress><LinkUrl>https://x/1</LinkUrl><LinkDescription>one</LinkDescription>"
        "<ClickDate>2026-03-01T11:00:00</ClickDate></WSContactClick>",
        "ReportRangeMessageContactOpen": "<WSContactOpen><ContactID>c1</ContactID><EmailAddress>a@x"
        "</EmailAddress><OpenDate>2026-03-01T11:00:00</OpenDate></WSContactOpen>",
        "ReportRangeMessageContactRead": "<WSContactRead><ContactID>c1</ContactID><EmailAddress>a@x"
        "</EmailAddress><ReadDate>2026-03-01T11:00:00</ReadDate></WSContactRead>",
        "ReportRangeMessageContactRemoval": "<WSContactRemovalInfo><ContactID>c1</ContactID>"
        "<EmailAddress>a@x</EmailAddress><AdditionDate>2026-01-01T00:00:00</AdditionDate>"
        "<RemovalDate>2026-03-02T00:00:00</RemovalDate><RemovalMethod>Unsubscribe</RemovalMethod>"
        "</WSContactRemovalInfo>",
        "ReportRangeMessageContactBounces": "<WSContactBounce><ContactID>c1</ContactID><EmailAddress>"
        "a@x</EmailAddress><BounceReason>Hard</BounceReason><BounceDetail>550</BounceDetail>"
        "<BounceDate>3/1/2026 10:05:00 AM</BounceDate><BounceCount>1</BounceCount></WSContactBounce>",
    }
    for name, row in rows.items():
        got = call(client, name, result(name, row * 2), MsgID=100, StartDate=start, EndDate=now,
                   Page=1)
        got = serialize_object(got)
        if not isinstance(got, list) or len(got) != 2 or got[0]["EmailAddress"] != "a@x":
            fail("%s answer %r" % (name, got))
        for empty in ("<%sResult/>" % name, ""):
            if call(client, name, empty, MsgID=100, StartDate=start, EndDate=now, Page=2):
                fail("%s: an empty page %r is truthy" % (name, empty))

    # message_sends: response["ReportMessageContactSentResult"]["WSMessageRecipient"].
    r = call(client, "ReportMessageContactSent", '<WSException xsi:nil="true"/>' + result(
        "ReportMessageContactSent",
        "<WSMessageRecipient><EmailAddress>a@x</EmailAddress></WSMessageRecipient>"),
        MsgID=100, Page=1)
    if serialize_object(r["ReportMessageContactSentResult"]["WSMessageRecipient"]) != [
            {"EmailAddress": "a@x"}]:
        fail("ReportMessageContactSent answer %r" % r)
    r = call(client, "ReportMessageContactSent",
             '<WSException xsi:nil="true"/><ReportMessageContactSentResult/>', MsgID=100, Page=2)
    if r["ReportMessageContactSentResult"]:
        fail("empty ReportMessageContactSent answer is truthy")

    # subscribed_contacts.
    got = call(client, "ReportRangeSubscribedContacts", result(
        "ReportRangeSubscribedContacts",
        "<WSContactSubscriptionInfo><ContactID>c1</ContactID><EmailAddress>a@x</EmailAddress>"
        "<AdditionDate>2026-01-05T00:00:00</AdditionDate><AdditionMethod>Web</AdditionMethod>"
        "</WSContactSubscriptionInfo>"), ListID=7, StartDate=start, EndDate=now, Page=1)
    if serialize_object(got)[0]["AdditionMethod"] != "Web":
        fail("ReportRangeSubscribedContacts answer %r" % got)
    print("OK: Listrak WSDL, 9 methods as tap-listrak sends and reads them (zeep %s)"
          % zeep.__version__)


if __name__ == "__main__":
    main()
