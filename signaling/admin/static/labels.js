// Every code the hub stores or sends, as the page shows it: in Japanese, never the raw code
// (tests/admin/test_page_layout.py fails on a raw code on screen). Dates are yyyy/mm/dd, the
// way Japanese offices write them, whatever the browser's locale. Loaded first; declares only.
"use strict";

const LABELS = {
  role: { staff: "職員", supervisor: "監督者", admin: "管理者", kiosk: "キオスク" },
  presence: { available: "受付可", away: "離席", wrap_up: "後処理" },
  endReason: {
    completed: "完了", citizen_cancelled: "市民が取消", staff_ended: "職員が終了", transferred: "転送",
    network_lost: "通信切断", timeout: "応答なし", closed: "受付終了",
  },
  // The audit log's actions (signaling/store, auth.py, admin/*_edit.py, city import).
  action: {
    login: "ログイン", login_failed: "ログイン失敗", password_set: "パスワード再設定",
    password_changed: "パスワード変更 (本人)", password_rehashed: "パスワード再ハッシュ",
    account_created: "アカウント作成", account_updated: "アカウント変更", account_disabled: "アカウント無効化",
    account_enabled: "アカウント有効化", account_departments_set: "担当課の変更", account_site_set: "勤務場所の変更",
    kiosk_created: "キオスク登録", kiosk_disabled: "キオスク無効化", kiosk_enabled: "キオスク有効化",
    kiosk_token_reissued: "キオスクのトークン再発行", kiosk_site_set: "キオスクの設置場所変更",
    concurrent_connection_refused: "二重接続の拒否",
    department_saved: "課の保存", department_deleted: "課の削除", departments_reordered: "課の並べ替え",
    category_saved: "相談の種類の保存", category_deleted: "相談の種類の削除", categories_reordered: "相談の種類の並べ替え",
    outcome_code_saved: "対応結果の保存", outcome_code_deleted: "対応結果の削除",
    outcome_codes_reordered: "対応結果の並べ替え", outcome_codes_defaulted: "対応結果の初期設定",
    ward_saved: "区の保存", ward_deleted: "区の削除", site_saved: "拠点の保存", site_deleted: "拠点の削除",
    service_saved: "業務の保存", service_deleted: "業務の削除",
    staff_message_saved: "職員のメッセージの保存", staff_message_deleted: "職員のメッセージの削除",
    staff_messages_reordered: "職員のメッセージの並べ替え", readings_saved: "読みの保存",
    directory_imported: "市の設定ファイルの取込", directory_replaced: "窓口の設定の置き換え",
    directory_import_differences: "設定ファイルとの差分", directory_import_failed: "設定ファイルの取込失敗",
    staff_imported: "職員の一括登録", kiosks_imported: "キオスクの一括登録",
    consultations_purged: "保存期間を過ぎた履歴の削除", unfinished_consultations_ended: "未終了の受付の終了",
  },
  // Why a sign-in was refused (auth.py), in the audit log's detail.
  reason: {
    wrong_password: "パスワード誤り", unknown_user: "存在しないユーザー", unknown_token: "不明なトークン",
    unknown_account: "存在しないアカウント", session_expired: "セッション期限切れ", account_disabled: "無効なアカウント",
    kiosk_disabled: "無効なキオスク", password_change_required: "パスワード変更が必要",
  },
  // Actors that are not accounts or kiosks.
  actor: { cli: "コマンド (madoguchi-admin)", hub: "ハブ", config: "設定ファイル", anonymous: "不明", test: "テスト", demo: "デモ" },
  // Detail keys of the audit log.
  detail: {
    before: "変更前", after: "変更後", reason: "理由", method: "方法", must_change: "次回変更が必要",
    username: "ユーザー名", role: "役割", departments: "課", display_name: "表示名", name: "名前",
    location: "設置場所", count: "件数", codes: "対応結果", order: "順番",
    categories: "相談の種類", outcome_codes: "対応結果", names: "名前", descriptions: "説明", hours: "受付時間",
    weekly: "曜日別", closed_dates: "休業日", national_holidays_closed: "祝日は休み", department_id: "課",
    service_id: "業務", icon: "アイコン", ward_id: "区", site_id: "拠点", kind: "種別", fingerprint: "指紋",
    texts: "文", staff_messages: "職員のメッセージ", readings: "読み", name_reading: "表示名の読み",
    changed: "変更あり", source: "ファイル", shares_overflow: "他区への振り分け", overflow_after_seconds: "振り分けまでの秒数",
    mon: "月", tue: "火", wed: "水", thu: "木", fri: "金", sat: "土", sun: "日",
    ja: "日本語", "ja-easy": "やさしい日本語", en: "English", zh: "中文", ko: "한국어", vi: "Tiếng Việt",
  },
  method: { password: "パスワード", session_token: "セッション", device_token: "端末トークン" },
};

// A code's label, or a neutral word with the code kept out of sight (in a tooltip).
function label(kind, code) {
  if (code === null || code === undefined || code === "") return "";
  return LABELS[kind][code] ?? "その他";
}

const pad = (n) => String(n).padStart(2, "0");

// yyyy/mm/dd (and HH:MM) in Tokyo time, from epoch seconds.
function tokyoParts(at) {
  const parts = {};
  for (const { type, value } of new Intl.DateTimeFormat("en-US", {
    timeZone: "Asia/Tokyo", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(at * 1000))) parts[type] = value;
  return parts;
}

// The city's admin_date_style (from /me): "western" 2026/12/07, or "japanese_era" 令和8年12月07日.
let dateStyle = "western";

function formatDate(at) {
  if (!at) return "—";
  const t = tokyoParts(at);
  if (dateStyle === "japanese_era") return `${eraYear(at)}${t.month}月${t.day}日`;
  return `${t.year}/${t.month}/${t.day}`;
}

function formatDateTime(at) {
  if (!at) return "—";
  const t = tokyoParts(at);
  return `${formatDate(at)} ${t.hour}:${t.minute}`;
}

// "令和8年" (the first year of an era is 元年), from the browser's Japanese calendar.
function eraYear(at) {
  const parts = {};
  for (const { type, value } of new Intl.DateTimeFormat("ja-JP-u-ca-japanese", {
    timeZone: "Asia/Tokyo", era: "long", year: "numeric",
  }).formatToParts(new Date(at * 1000))) parts[type] = value;
  return `${parts.era}${parts.year === "1" ? "元" : parts.year}年`;
}

// "2026/12/07", "2026/12/7", "2026-12-07" or "20261207" to the API's "2026-12-07"; null if
// it is not a real date. Empty stays empty (no filter).
function parseDate(text) {
  const value = text.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (!value) return "";
  const match = value.match(/^(\d{4})[/\-.年]?(\d{1,2})[/\-.月]?(\d{1,2})日?$/);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return `${year}-${pad(month)}-${pad(day)}`;
}

// The API's "2026-12-07" as the page writes it.
const slashed = (iso) => (iso ? iso.replaceAll("-", "/") : "");

// Today in Tokyo, as the API writes it.
function todayIso() {
  const t = tokyoParts(Date.now() / 1000);
  return `${t.year}-${t.month}-${t.day}`;
}
