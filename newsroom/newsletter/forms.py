from django import forms

CONSENT_LABEL = "개인정보 수집·이용에 동의합니다. (필수)"
# What the law asks the form to say (개인정보 보호법 제15조 제2항): what is collected, why, for how
# long, and that the reader may refuse (and what refusing means).
CONSENT_TERMS = [
    ("수집 항목", "이메일 주소, 동의 일시와 구독 확인 일시"),
    ("수집·이용 목적", "뉴스레터 발송과 구독 확인"),
    ("보유·이용 기간",
     "구독을 해지할 때까지. 해지하면 바로 삭제합니다. "
     "구독을 확인하지 않은 주소는 확인 링크의 유효 기간이 지나면 삭제합니다."),
    ("동의를 거부할 권리", "동의하지 않으실 수 있으며, 이 경우 뉴스레터를 받으실 수 없습니다."),
]  # fmt: skip


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="이메일 주소",
        max_length=254,
        error_messages={
            "required": "이메일 주소를 입력해 주세요.",
            "invalid": "올바른 이메일 주소를 입력해 주세요. 예: name@example.com",
            "max_length": "이메일 주소가 너무 깁니다.",
        },
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "placeholder": "name@example.com", "inputmode": "email"}
        ),
    )
    consent = forms.BooleanField(
        label=CONSENT_LABEL,
        error_messages={"required": "개인정보 수집·이용에 동의해야 구독할 수 있습니다."},
    )
