import urllib.request
def test_moto_answers():
    assert urllib.request.urlopen("http://127.0.0.1:5055/moto-api/").status == 200
def test_payments_api():
    assert 1 + 1 == 2, "payments API returned HTTP 502"
