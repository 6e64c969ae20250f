import jwt
from django.test import override_settings

from pdf_trigger import mint_report_token
from tests.settings import SECRET_KEY


def test_student_token_has_the_seed_payload_and_verifies_with_secret_key():
    token = mint_report_token(class_id="CLASS_123", test_id="Test_5", report_type="student", student_id="STU001", now=1_704_066_600)
    claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {
        "user_id": "STU001",
        "user_type": "student",
        "student_id": "STU001",
        "class_id": "CLASS_123",
        "test_id": "Test_5",
        "report_type": "student",
        "scope": "report:read",
        "iat": 1_704_066_600,
        "exp": 1_704_067_200,
        "iss": "inzighted-backend",
    }
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_teacher_token_names_the_teacher():
    token = mint_report_token(class_id="C", test_id="T", report_type="teacher", teacher_id="TCH001")
    claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    assert (claims["user_type"], claims["teacher_id"], claims["user_id"]) == ("teacher", "TCH001", "TCH001")
    assert claims["exp"] - claims["iat"] == 600


def test_token_is_signed_with_the_configured_secret_when_set():
    with override_settings(PDF_REPORT_TOKEN_SECRET="separate-report-secret"):
        token = mint_report_token(class_id="C", test_id="T", report_type="overall")
    claims = jwt.decode(token, "separate-report-secret", algorithms=["HS256"])
    assert (claims["user_type"], claims["report_type"], claims["user_id"]) == ("teacher", "overall", "pdf-service")
    try:
        jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    except jwt.InvalidSignatureError:
        pass
    else:
        raise AssertionError("a token signed with PDF_REPORT_TOKEN_SECRET must not verify with SECRET_KEY")
