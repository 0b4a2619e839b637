#!/usr/bin/env python3
"""The web app (一表通) in a real headless Chromium against real agents.

A four-node chain (city, district, street, community) is created with `rootsync up --no-serve`
and each node runs as its own `rootsync serve` process on loopback. A clerk signs in at the
community, enters a person with a wrong ID check digit, sees the error under the ID field,
corrects it (sex and birth date fill in from the ID), saves, and finds the person by search; the
record is checked with `rootsync get` at the community and, after sync, at the street. A POST
without a CSRF token and one without a session are refused and write nothing. An administrator
sees the ID whole where the clerk saw it masked, resolves a conflict, imports an openpyxl-made
workbook of 50 people with 3 bad rows (the 47 others imported, the 3 downloaded with their
reasons) and exports the records back as .xlsx. Every page is saved as a screenshot.

Run by Scripts/web-test (which installs chromium, chromium-driver and python3-selenium).
Every wait is bounded; every process started here is stopped at the end.
"""
import argparse
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import openpyxl
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

CITY, DISTRICT, STREET, COMMUNITY = "150600", "150603", "150603002", "150603002001"
WAIT = 20  # seconds, for anything the browser or the agents do


def check_character(body17):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights)) % 11]


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


def free_port(used):
    for _ in range(200):
        port = random.randint(20000, 31999)
        if port in used:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        used.add(port)
        return port
    raise Failure("no free loopback port")


class Cluster:
    """The four agents, each a `rootsync serve` process."""

    def __init__(self, rootsync, base):
        self.rootsync = rootsync
        self.base = base
        self.processes = {}
        used = set()
        nodes = [
            {"code": CITY, "name": "测试市", "level": "city", "listen": f"127.0.0.1:{free_port(used)}"},
            {"code": DISTRICT, "name": "测试区", "level": "district", "parent": CITY, "listen": f"127.0.0.1:{free_port(used)}"},
            {"code": STREET, "name": "青春山街道", "level": "street", "parent": DISTRICT, "listen": f"127.0.0.1:{free_port(used)}"},
            {"code": COMMUNITY, "name": "珠江社区", "level": "community", "parent": STREET},
        ]
        topology = os.path.join(base, "topology.json")
        with open(topology, "w", encoding="utf-8") as f:
            json.dump({"name": "web-test", "nodes": nodes}, f, ensure_ascii=False)
        self.run(["up", topology, "--dir", os.path.join(base, "nodes"), "--no-serve"])

    def dir(self, code):
        return os.path.join(self.base, "nodes", code)

    def run(self, args, stdin=None, ok=(0,)):
        r = subprocess.run([self.rootsync] + args, input=stdin, capture_output=True, text=True, timeout=120)
        if r.returncode not in ok:
            raise Failure(f"rootsync {' '.join(args)} exited {r.returncode}: {r.stderr}")
        return r

    def start(self):
        """Starts every agent; returns each one's address from its "listening on" line."""
        return {code: self.start_one(code) for code in [CITY, DISTRICT, STREET, COMMUNITY]}

    def start_one(self, code):
        self.starts = getattr(self, "starts", 0) + 1
        name = os.path.join(self.base, f"serve-{code}-{self.starts}")
        out, err = open(name + ".out", "w"), open(name + ".err", "w")
        self.processes[code] = subprocess.Popen(
            [self.rootsync, "serve", "--dir", self.dir(code), "--interval", "1"],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = time.time() + WAIT
        while time.time() < deadline:
            text = open(name + ".out").read()
            if "listening on" in text:
                return text.split("listening on")[1].split()[0].strip()
            if self.processes[code].poll() is not None:
                raise Failure(f"serve {code} exited: {open(err.name).read()}")
            time.sleep(0.05)
        raise Failure(f"serve {code} did not start within {WAIT} s")

    def stop_one(self, code):
        p = self.processes.pop(code)
        p.terminate()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)

    def conflicts(self, code):
        out = self.run(["conflicts", "--dir", self.dir(code), "--json"]).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def wait_until(self, condition, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                return
            time.sleep(0.25)
        raise Failure(f"timed out after {timeout} s waiting for {what}")

    def get(self, code, resource, key):
        r = self.run(["get", resource, key, "--dir", self.dir(code), "--json"], ok=(0, 3))
        return json.loads(r.stdout) if r.returncode == 0 else None

    def wait_for(self, code, resource, key):
        deadline = time.time() + WAIT
        while time.time() < deadline:
            record = self.get(code, resource, key)
            if record is not None:
                return record
            time.sleep(0.2)
        return None

    def stop(self):
        for p in self.processes.values():
            if p.poll() is None:
                p.terminate()
        deadline = time.time() + 15
        for p in self.processes.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)


class Browser:
    """Headless Chromium at 1366×768, finding fields by their <label for> like a screen reader."""

    def __init__(self, artifacts, profile):
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1366,768", "--lang=zh-CN", f"--user-data-dir={profile}",
                  "--no-first-run", "--disable-extensions", "--disable-background-networking"]:
            options.add_argument(a)
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(WAIT)
        self.artifacts = artifacts

    def wait(self, condition, what):
        try:
            # The app rebuilds parts of the page (a form after a save): an element found a moment
            # ago may be gone, which only means "not yet".
            return WebDriverWait(self.driver, WAIT, poll_frequency=0.1,
                                 ignored_exceptions=[NoSuchElementException, StaleElementReferenceException]).until(lambda d: condition())
        except Exception as e:
            self.screenshot("failure")
            raise Failure(f"timed out waiting for {what}: {e}") from None

    def by_label(self, text, scope="//main"):
        """The control a visible <label for> names (exactly `text`)."""
        labels = [l for l in self.driver.find_elements(By.XPATH, f"{scope}//label[normalize-space(.)='{text}']") if l.is_displayed()]
        expect(len(labels) == 1, f"expected one visible label '{text}', found {len(labels)}")
        target = labels[0].get_attribute("for")
        expect(target, f"label '{text}' has no for attribute")
        return self.driver.find_element(By.ID, target)

    def type(self, label, text):
        field = self.by_label(label)
        field.clear()
        field.send_keys(text)
        return field

    def error_under(self, field):
        """The error box that belongs to a field (its aria-describedby), as shown."""
        return self.driver.find_element(By.ID, field.get_attribute("aria-describedby"))

    def screenshot(self, name):
        path = os.path.join(self.artifacts, f"{name}.png")
        self.driver.save_screenshot(path)
        return path

    def quit(self):
        self.driver.quit()


def http(method, url, body=None, headers=None):
    """A request outside the browser; returns (status, JSON body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rootsync", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--keep", action="store_true", help="keep the node directories")
    args = parser.parse_args()
    artifacts = os.path.abspath(args.artifacts)
    os.makedirs(artifacts, exist_ok=True)
    for old in os.listdir(artifacts):
        if old.endswith(".png"):
            os.remove(os.path.join(artifacts, old))
    base = tempfile.mkdtemp(prefix="rootsync-web-")
    cluster = browser = None
    started = time.time()
    try:
        cluster = Cluster(os.path.abspath(args.rootsync), base)
        clerk, clerk_password = "王芳", "qingchun-2026"
        admin, admin_password = "李主任", "admin-pass-2026"
        cluster.run(["operator", "add", clerk, "--role", "clerk", "--dir", cluster.dir(COMMUNITY)], stdin=clerk_password + "\n")
        cluster.run(["operator", "add", admin, "--role", "administrator", "--dir", cluster.dir(COMMUNITY)], stdin=admin_password + "\n")
        # Sharing and the catalogue's review: a data administrator at the city, a section reviewer at the district.
        data_admin, data_admin_password = "赵数管", "data-admin-2026"
        section, section_password = "科员", "section-pass-2026"
        cluster.run(["operator", "add", data_admin, "--role", "administrator", "--dir", cluster.dir(CITY)], stdin=data_admin_password + "\n")
        cluster.run(["catalogue", "grant", "--operator", data_admin, "--role", "data_admin", "--dir", cluster.dir(CITY)])
        cluster.run(["operator", "add", section, "--role", "reviewer", "--dir", cluster.dir(DISTRICT)], stdin=section_password + "\n")
        cluster.run(["catalogue", "grant", "--operator", section, "--role", "section_reviewer", "--dir", cluster.dir(DISTRICT)])
        urls = cluster.start()
        web = urls[COMMUNITY]
        browser = Browser(artifacts, os.path.join(base, "chromium"))
        d = browser.driver

        # Sign in.
        d.get(web + "/")
        browser.wait(lambda: d.find_element(By.ID, "page-sign-in").is_displayed(), "the sign-in page")
        browser.type("用户名", clerk)
        browser.type("密码", "wrong-password")
        d.find_element(By.ID, "sign-in-submit").click()
        browser.wait(lambda: "用户名或密码错误" in d.find_element(By.ID, "sign-in-error").text, "the wrong-password message")
        browser.type("密码", clerk_password)
        browser.screenshot("sign-in")
        d.find_element(By.ID, "sign-in-submit").click()
        browser.wait(lambda: d.find_element(By.ID, "page-entry").is_displayed(), "the entry page after sign-in")
        expect(clerk in d.find_element(By.ID, "who").text, "the operator's name is not shown")

        # Enter a person whose ID has a wrong check digit; the error shows under the ID field.
        body = "15060319850612002"
        good = body + check_character(body)
        bad = body + ("0" if check_character(body) != "0" else "1")
        browser.wait(lambda: d.find_element(By.ID, "f-person-id_number").is_displayed(), "the person form")
        id_field = browser.type("公民身份号码", bad)
        browser.type("姓名", "赵晓梅")
        browser.type("所属社区", COMMUNITY)
        browser.type("居住地址", "康巴什区青春山路18号2单元")
        browser.type("联系电话", "13912345678")
        Select(browser.by_label("民族")).select_by_visible_text("汉族")
        browser.type("标签", "独居老人")
        d.find_element(By.ID, "entry-save").click()
        error = browser.error_under(id_field)
        browser.wait(lambda: "id.check_char" in (error.get_attribute("data-rule") or ""), "the check-digit error under the ID field")
        expect("校验" in error.text, f"the ID error is not in Chinese: {error.text!r}")
        expect(any(w in error.text.lower() for w in ["check", "checksum"]), f"the ID error is not in English too: {error.text!r}")
        expect(error.is_displayed(), "the ID error is not visible")
        expect(cluster.get(COMMUNITY, "person", good) is None, "a refused form wrote a record")
        browser.screenshot("entry-error")

        # Correct it: sex and birth date fill in from the number; save.
        id_field = browser.type("公民身份号码", good)
        browser.wait(lambda: browser.by_label("出生日期").get_attribute("value") == "1985-06-12", "the birth date filled in from the ID")
        browser.wait(lambda: Select(browser.by_label("性别")).first_selected_option.text == "女性", "the sex filled in from the ID")
        browser.wait(lambda: browser.error_under(id_field).text == "", "the ID error to clear")
        d.find_element(By.ID, "entry-save").click()
        browser.wait(lambda: "已保存" in d.find_element(By.ID, "entry-saved").text, "the saved message")
        expect(good in d.find_element(By.ID, "entry-saved").text, "the saved message does not name the record")
        browser.screenshot("entry")

        # At the community with rootsync get, and at the street after sync.
        record = cluster.get(COMMUNITY, "person", good)
        expect(record is not None, "the community does not hold the person")
        expect(record["name"] == "赵晓梅" and record["sex"] == "2" and record["birth_date"] == "19850612", f"stored wrongly: {record}")
        expect(record["ethnicity"] == "01" and record["tags"] == ["独居老人"], f"stored wrongly: {record}")
        at_street = cluster.wait_for(STREET, "person", good)
        expect(at_street is not None and at_street["name"] == "赵晓梅", f"the street does not hold the person after sync: {at_street}")
        audit = cluster.run(["audit", "--dir", cluster.dir(COMMUNITY), "--json"]).stdout
        puts = [json.loads(l) for l in audit.splitlines() if '"web_put"' in l]
        expect(len(puts) == 1 and puts[0]["user"] == clerk, f"the save is not audited under the clerk: {puts}")

        # Search for her by name; the clerk sees the ID masked.
        d.find_element(By.ID, "nav-search").click()
        browser.wait(lambda: d.find_element(By.ID, "page-search").is_displayed(), "the search page")
        Select(browser.by_label("查询方式")).select_by_visible_text("姓名")
        browser.type("查询内容", "赵晓")
        d.find_element(By.ID, "search-submit").click()
        rows = lambda: d.find_elements(By.CSS_SELECTOR, "#search-results tbody tr")
        browser.wait(lambda: len(rows()) == 1, "one search result")
        cells = [c.text for c in rows()[0].find_elements(By.TAG_NAME, "td")]
        expect("赵晓梅" in cells, f"the result is not the person: {cells}")
        masked = good[:4] + "*" * 10 + good[-4:]
        expect(masked in cells and good not in cells, f"the clerk's result does not mask the ID: {cells}")
        expect("1391***5678" in cells, f"the clerk's result does not mask the phone: {cells}")
        # By address (any three characters) and by tag find her too.
        Select(browser.by_label("查询方式")).select_by_visible_text("户籍地址、居住地址")
        browser.type("查询内容", "青春山路18号")
        d.find_element(By.ID, "search-submit").click()
        browser.wait(lambda: len(rows()) == 1 and "赵晓梅" in rows()[0].text, "the address search result")
        browser.screenshot("search")

        # Forged POSTs: without the CSRF token, and without a session. Neither writes anything.
        cookie = next(c for c in d.get_cookies() if c["name"] == f"rs_session_{COMMUNITY}")
        expect(cookie.get("httpOnly") and cookie.get("sameSite") == "Strict", f"the session cookie is not HttpOnly/Strict: {cookie}")
        jar = f"{cookie['name']}={cookie['value']}"
        host = web.split("//")[1]
        status, session = http("GET", web + "/app/api/session", headers={"Cookie": jar, "Host": host})
        expect(status == 200 and session["signed_in"], f"the session probe failed: {status} {session}")
        csrf = session["csrf"]
        forged_id = "15060319900101003" + check_character("15060319900101003")
        form = {"values": {"id_number": forged_id, "name": "伪造", "community_code": COMMUNITY}}
        json_type = {"Content-Type": "application/json"}
        status, answer = http("POST", web + "/app/api/records/person", form, {**json_type, "Cookie": jar})
        expect(status == 403 and "CSRF" in answer["message_zh"], f"a POST without a CSRF token was not refused: {status} {answer}")
        status, answer = http("POST", web + "/app/api/records/person", form, {**json_type, "Cookie": jar, "X-CSRF-Token": "0" * 64})
        expect(status == 403, f"a POST with a wrong CSRF token was not refused: {status} {answer}")
        status, answer = http("POST", web + "/app/api/records/person", form, {**json_type, "X-CSRF-Token": csrf})
        expect(status == 401, f"a POST without a session was not refused: {status} {answer}")
        status, answer = http("POST", web + "/app/api/records/person", form,
                              {"Content-Type": "application/x-www-form-urlencoded", "Cookie": jar, "X-CSRF-Token": csrf})
        expect(status == 403, f"a form-encoded POST was not refused: {status} {answer}")
        expect(cluster.get(COMMUNITY, "person", forged_id) is None, "a refused POST wrote a record")
        # The same request with both is accepted (the refusals above are about what was missing).
        status, answer = http("POST", web + "/app/api/check/person", form, {**json_type, "Cookie": jar, "X-CSRF-Token": csrf})
        expect(status == 200 and answer["problems"] == [], f"a POST with session and token was refused: {status} {answer}")

        # Sign out; an administrator signs in.
        d.find_element(By.ID, "sign-out").click()
        browser.wait(lambda: d.find_element(By.ID, "page-sign-in").is_displayed(), "the sign-in page after sign-out")
        status, _ = http("GET", web + "/app/api/forms", headers={"Cookie": jar, "Host": host})
        expect(status == 401, f"the session still works after sign-out: {status}")
        browser.type("用户名", admin)
        browser.type("密码", admin_password)
        d.find_element(By.ID, "sign-in-submit").click()
        browser.wait(lambda: d.find_element(By.ID, "page-entry").is_displayed(), "the entry page for the administrator")

        # A concurrent edit from the city: with the street down, the community and the city both
        # change her name; when the street is back every node has the conflict.
        expect(cluster.wait_for(CITY, "person", good) is not None, "the city does not hold the person")
        cluster.stop_one(STREET)
        cluster.run(["put", "person", "--dir", cluster.dir(COMMUNITY), "--data", json.dumps({"id_number": good, "name": "赵小梅"})])
        cluster.run(["put", "person", "--dir", cluster.dir(CITY), "--data", json.dumps({"id_number": good, "name": "赵晓媚"})])
        cluster.start_one(STREET)
        for code in [COMMUNITY, STREET, DISTRICT, CITY]:
            cluster.wait_until(lambda: len(cluster.conflicts(code)) == 1, f"the conflict at {code}")
        conflict = cluster.conflicts(COMMUNITY)[0]
        ours = next(v["version"] for v in conflict["versions"] if v["writer"] == COMMUNITY)
        d.find_element(By.ID, "nav-conflicts").click()
        browser.wait(lambda: d.find_element(By.ID, "page-conflicts").is_displayed(), "the conflicts page")
        card = lambda: d.find_element(By.ID, "conflict-0")
        browser.wait(lambda: card().get_attribute("data-conflict") == conflict["conflict"], "the conflict on the page")
        headers = [h.text for h in card().find_elements(By.CSS_SELECTOR, "thead th")]
        expect(len(headers) == 3 and CITY in headers[1] and "当前显示" in headers[1] and COMMUNITY in headers[2],
               f"the versions are not side by side, the city's shown: {headers}")
        name_row = [c.text for c in card().find_elements(By.XPATH, ".//tbody/tr[th='姓名']/td")]
        expect(name_row == ["赵晓媚", "赵小梅"], f"the competing names are not side by side: {name_row}")
        browser.screenshot("conflicts")
        # The community checked the paper file: take its version.
        card().find_element(By.CSS_SELECTOR, f"button[data-take='{ours}']").click()
        browser.wait(lambda: "已解决" in d.find_element(By.ID, "conflicts-saved").text, "the resolved message")
        browser.wait(lambda: "没有未解决的冲突" in d.find_element(By.ID, "conflicts-note").text, "an empty conflict list")
        for code in [COMMUNITY, STREET, DISTRICT, CITY]:
            cluster.wait_until(lambda: cluster.conflicts(code) == [] and (cluster.get(code, "person", good) or {}).get("name") == "赵小梅",
                               f"{code} to agree on the resolution")
        audit = [json.loads(l) for l in cluster.run(["audit", "--dir", cluster.dir(COMMUNITY), "--action", "resolve", "--json"]).stdout.splitlines()]
        expect(len(audit) == 1 and audit[0]["user"] == admin, f"the resolution is not audited under the administrator: {audit}")

        # 导入: an openpyxl-made workbook of 50 people, 3 of them bad, checked (nothing written),
        # then the 47 valid rows imported and the 3 others downloaded with their reasons.
        people = []
        for i in range(50):
            body = "150603" + "1990%02d%02d" % (1 + i % 12, 1 + i % 28) + "%03d" % (300 + i)
            people.append(body + check_character(body))
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "人口"
        ws.append(["公民身份号码", "姓名", "性别", "出生日期", "所属社区", "联系电话"])
        for i, pid in enumerate(people):
            sex = "男" if int(pid[16]) % 2 else "女"
            born = f"{pid[6:10]}/{int(pid[10:12])}/{int(pid[12:14])}" if i % 2 else f"{pid[6:10]}年{int(pid[10:12])}月{int(pid[12:14])}日"
            ws.append([pid, f"导入{i:02d}", sex, born, COMMUNITY, "139%08d" % i])
        bad_check = people[10][:17] + ("0" if people[10][17] != "0" else "1")
        ws.cell(row=12, column=1, value=bad_check)               # row 12: a wrong check digit
        ws.cell(row=25, column=1, value=float(people[23]))      # row 25: Excel's number formatting
        ws.cell(row=40, column=2).value = None                  # row 40: no name
        upload = os.path.join(base, "人口导入.xlsx")
        wb.save(upload)
        downloads = os.path.join(base, "downloads")
        os.makedirs(downloads, exist_ok=True)
        d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        d.find_element(By.ID, "nav-import").click()
        browser.wait(lambda: d.find_element(By.ID, "page-import").is_displayed(), "the import page")
        Select(browser.by_label("数据种类", scope="//form[@id='import-form']")).select_by_value("person")
        browser.by_label("Excel 或 CSV 文件").send_keys(upload)
        d.find_element(By.ID, "import-check").click()
        problem_rows = lambda: d.find_elements(By.CSS_SELECTOR, "#import-problems tbody tr")
        browser.wait(lambda: len(problem_rows()) == 3, "three rows with problems")
        lines = [r.find_elements(By.TAG_NAME, "td")[0].text for r in problem_rows()]
        expect(lines == ["12", "25", "40"], f"the problems are not on rows 12, 25 and 40: {lines}")
        expect("Excel" in problem_rows()[1].text, f"row 25 does not name Excel's number formatting: {problem_rows()[1].text}")
        expect("共 50 行" in d.find_element(By.ID, "import-summary").text, d.find_element(By.ID, "import-summary").text)
        expect(cluster.get(COMMUNITY, "person", people[0]) is None, "checking the file wrote a record")
        browser.screenshot("import")
        d.find_element(By.ID, "import-valid").click()
        browser.wait(lambda: "已导入 47 条" in d.find_element(By.ID, "import-saved").text, "47 rows imported")
        first = cluster.get(COMMUNITY, "person", people[1])
        expect(first and first["name"] == "导入01" and first["birth_date"] == people[1][6:14] and first["sex"] == ("1" if int(people[1][16]) % 2 else "2"),
               f"an imported row is stored wrongly: {first}")
        expect(cluster.get(COMMUNITY, "person", people[10]) is None and cluster.get(COMMUNITY, "person", people[38]) is None, "a bad row was imported")
        rejects = os.path.join(downloads, "人口导入-拒收.xlsx")
        cluster.wait_until(lambda: os.path.exists(rejects), "the reject workbook to download")
        rb = openpyxl.load_workbook(rejects)
        rejected = list(rb.active.iter_rows(values_only=True))
        expect(rejected[0][-1] == "错误原因" and len(rejected) == 4, f"the reject workbook is wrong: {rejected}")
        expect(rejected[1][0] == bad_check and "校验" in rejected[1][-1], f"the first reject is wrong: {rejected[1]}")
        expect("Excel" in rejected[2][-1] and "姓名" in rejected[3][-1], f"the rejects' reasons are wrong: {rejected}")
        browser.screenshot("import-done")

        # 导出: the records back as an .xlsx whose ID numbers and phones are text cells.
        Select(d.find_element(By.ID, "export-resource")).select_by_value("person")
        d.find_element(By.ID, "export-link").click()
        exported = os.path.join(downloads, f"人口-{COMMUNITY}.xlsx")
        cluster.wait_until(lambda: os.path.exists(exported), "the export to download")
        eb = openpyxl.load_workbook(exported)
        sheet = list(eb.active.iter_rows())
        header = [c.value for c in sheet[0]]
        id_column, phone_column = header.index("公民身份号码"), header.index("联系电话")
        by_id = {row[id_column].value: row for row in sheet[1:]}
        expect(len(sheet) - 1 == 48, f"the export does not hold the 48 people: {len(sheet) - 1}")
        expect(all(row[id_column].data_type == "s" for row in sheet[1:]), "an exported ID is not a text cell")
        expect(by_id[people[0]][phone_column].value == "13900000000" and by_id[people[0]][phone_column].data_type == "s",
               "the exported phone lost its text form")

        # 无效: another program writes a marital status that is no code and a phone that is no
        # number straight into the replica; the agent lists the write as invalid; the
        # administrator corrects it in the form.
        victim = people[2]
        db = sqlite3.connect(os.path.join(cluster.dir(COMMUNITY), "replica.sqlite"), timeout=10)
        db.execute("UPDATE person SET marital_status = '99', phone = '139-abc' WHERE id_number = ?", (victim,))
        db.commit()
        db.close()
        d.find_element(By.ID, "nav-invalid").click()
        def invalid_listed():
            d.find_element(By.ID, "invalid-reload").click()
            time.sleep(0.3)
            return len(d.find_elements(By.CSS_SELECTOR, f"#invalid-list .invalid-card[data-key='{victim}']")) == 1
        browser.wait(invalid_listed, "the direct write to be listed as invalid")
        invalid_card = d.find_element(By.CSS_SELECTOR, f"#invalid-list .invalid-card[data-key='{victim}']")
        expect("婚姻状况" in invalid_card.text and "联系电话" in invalid_card.text, f"the invalid write does not name its fields: {invalid_card.text}")
        browser.screenshot("invalid")
        invalid_card.find_element(By.CSS_SELECTOR, "button.primary").click()
        browser.wait(lambda: d.find_element(By.ID, "page-entry").is_displayed() and browser.by_label("公民身份号码").get_attribute("value") == victim,
                     "the entry form with the invalid write")
        marital = browser.by_label("婚姻状况")
        expect("GB/T 2261.2" in browser.error_under(marital).text, f"the marital status problem is not under its field: {browser.error_under(marital).text}")
        Select(marital).select_by_visible_text("已婚")
        browser.type("联系电话", "１３９１１１１２２２２")  # full-width digits, as a Chinese input method types them
        d.find_element(By.ID, "entry-save").click()
        browser.wait(lambda: "已保存" in d.find_element(By.ID, "entry-saved").text, "the corrected record saved")
        fixed = cluster.get(COMMUNITY, "person", victim)
        expect(fixed["marital_status"] == "20" and fixed["phone"] == "13911112222", f"the correction is stored wrongly: {fixed}")
        d.find_element(By.ID, "nav-invalid").click()
        browser.wait(lambda: "没有未通过校验的直接写入" in d.find_element(By.ID, "invalid-note").text, "no invalid writes left")

        # A record page from the search: its field groups, who changed them, and the history.
        d.find_element(By.ID, "nav-search").click()
        Select(browser.by_label("查询方式")).select_by_visible_text("姓名")
        browser.type("查询内容", "导入02")
        d.find_element(By.ID, "search-submit").click()
        browser.wait(lambda: len(rows()) == 1, "the imported person found")
        rows()[0].find_element(By.CSS_SELECTOR, "a.record-link").click()
        browser.wait(lambda: d.find_element(By.ID, "page-record").is_displayed() and len(d.find_elements(By.CSS_SELECTOR, "#record-history tbody tr")) >= 2,
                     "the record page with its history")
        groups_text = d.find_element(By.ID, "record-groups").text
        expect("最近修改" in groups_text and COMMUNITY in groups_text and "+08:00" in groups_text, f"the record page lacks who and when: {groups_text}")
        history_text = d.find_element(By.ID, "record-history").text
        expect("婚姻状况" in history_text and "已婚" in history_text, f"the history lacks the correction: {history_text}")
        browser.screenshot("record")

        # 目录: the catalogue, its code sets, and a draft proposed under the administrator's name.
        d.find_element(By.ID, "nav-catalogue").click()
        browser.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, "#catalogue-items tbody tr[data-item='id_number']")) == 1, "the catalogue's items")
        expect("男性" in d.find_element(By.ID, "catalogue-code-sets").text, "the code sets are not shown")
        browser.type("标题", "人口增加微信号")
        browser.type("理由", "社区联系居民需要")
        Select(browser.by_label("字段组")).select_by_index(0)
        browser.type("字段名（英文）", "wechat")
        browser.type("字段中文名", "微信号")
        d.find_element(By.ID, "draft-submit").click()
        browser.wait(lambda: "草案已提交" in d.find_element(By.ID, "catalogue-saved").text, "the draft submitted")
        expect("人口增加微信号" in d.find_element(By.ID, "catalogue-drafts").text, "the draft is not listed")
        drafts = cluster.run(["catalogue", "drafts", "--dir", cluster.dir(COMMUNITY)]).stdout
        expect("人口增加微信号" in drafts, f"rootsync catalogue drafts does not show the web draft: {drafts}")
        browser.screenshot("catalogue")

        # 运行状态: links, lag and the subtree.
        d.find_element(By.ID, "nav-status").click()
        browser.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, f"#status-links tbody tr[data-node='{STREET}']")) == 1, "the status page's link to the street")
        expect("Asia/Shanghai" in d.find_element(By.ID, "status-summary").text, d.find_element(By.ID, "status-summary").text)
        expect(len(d.find_elements(By.CSS_SELECTOR, f"#status-tree tbody tr[data-node='{COMMUNITY}']")) == 1, "the subtree lacks the node itself")
        browser.screenshot("status")

        def sign_in_at(url, name, password):
            """Signs out of the page shown, opens the app at url and signs in there."""
            if d.find_element(By.ID, "sign-out").is_displayed():
                d.find_element(By.ID, "sign-out").click()
                browser.wait(lambda: d.find_element(By.ID, "page-sign-in").is_displayed(), "the sign-in page after sign-out")
            d.get(url + "/")
            browser.wait(lambda: d.find_element(By.ID, "page-sign-in").is_displayed(), f"the sign-in page at {url}")
            browser.type("用户名", name)
            browser.type("密码", password)
            d.find_element(By.ID, "sign-in-submit").click()
            browser.wait(lambda: d.find_element(By.ID, "page-entry").is_displayed(), f"the entry page for {name}")

        def unlabelled():
            """The visible inputs of the page that no <label for> names."""
            return d.execute_script("""
                return [...document.querySelectorAll('main input, main select, main textarea')]
                  .filter((x) => x.offsetParent !== null && x.type !== 'checkbox' && x.type !== 'hidden')
                  .filter((x) => !x.id || !document.querySelector(`label[for="${x.id}"]`))
                  .map((x) => x.id || x.outerHTML.slice(0, 80));""")

        def listed(command, code):
            out = cluster.run([command, "list", "--dir", cluster.dir(code), "--json"]).stdout
            return {j["id"]: j for j in (json.loads(line) for line in out.splitlines() if line.strip())}

        # A clerk opens a person's record from the search: the link and the page carry an opaque
        # reference, never the ID number; on the record page she raises a quality check (校核)
        # of the identity group, which travels to the city (its authoritative node).
        sign_in_at(web, clerk, clerk_password)
        d.find_element(By.ID, "nav-search").click()
        Select(browser.by_label("查询方式")).select_by_visible_text("姓名")
        browser.type("查询内容", "赵小梅")
        d.find_element(By.ID, "search-submit").click()
        browser.wait(lambda: len(rows()) == 1, "the clerk's search result")
        link = rows()[0].find_element(By.CSS_SELECTOR, "a.record-link")
        expect(good not in (link.get_attribute("href") or "") and "#/ref/" in link.get_attribute("href"), f"the clerk's link carries the key: {link.get_attribute('href')}")
        link.click()
        browser.wait(lambda: d.find_element(By.ID, "page-record").is_displayed() and len(d.find_elements(By.CSS_SELECTOR, "#record-history tbody tr")) >= 1,
                     "the clerk's record page")
        expect(masked in d.find_element(By.ID, "record-title").text, f"the clerk's record page does not show the masked key: {d.find_element(By.ID, 'record-title').text}")
        expect(good not in d.page_source and good not in d.current_url, "the clerk's record page reveals the ID number")
        expect("1391***5678" in d.find_element(By.ID, "record-groups").text, "the clerk's record page does not mask the phone")
        d.find_element(By.ID, "dispute-identity-open").click()
        browser.type("姓名（期望值）", "赵晓梅")
        d.find_element(By.ID, "dispute-identity-submit").click()
        comment = browser.by_label("校核说明")
        browser.wait(lambda: "说明" in browser.error_under(comment).text, "the missing comment named under its field")
        browser.type("校核说明", "与户籍登记不符，应为赵晓梅")
        expect(unlabelled() == [], f"inputs without a label on record-dispute: {unlabelled()}")
        browser.screenshot("record-dispute")
        d.find_element(By.ID, "dispute-identity-submit").click()
        browser.wait(lambda: "校核已提出" in d.find_element(By.ID, "dispute-identity-saved").text, "the dispute raised")
        expect(CITY in d.find_element(By.ID, "dispute-identity-saved").text, "the dispute does not name the city as its answerer")
        raised = [x for x in listed("dispute", COMMUNITY).values() if x["raised_by"] == clerk]
        expect(len(raised) == 1 and raised[0]["answerer"] == CITY and raised[0]["expected"] == {"name": "赵晓梅"}, f"the dispute is stored wrongly: {raised}")
        dispute = raised[0]["id"]

        # 数据需求申请: two requests of a district consumer for city data, decided at the city.
        cluster.run(["consumer", "add", "民政局婚姻登记系统", "--dir", cluster.dir(DISTRICT)])
        until = time.strftime("%Y-%m-%d", time.localtime(time.time() + 60 * 86400))
        requests = []
        for items in ["id_number,name", "id_number,name,phone"]:
            out = cluster.run(["share", "request", "--consumer", "民政局婚姻登记系统", "--resource", "person", "--items", items,
                               "--jurisdiction", DISTRICT, "--purpose", "工作参考", "--until", until, "--operator", "王科员",
                               "--dir", cluster.dir(DISTRICT), "--json"]).stdout
            requests.append(json.loads(out.strip().splitlines()[-1])["id"])
        for rid in requests:
            cluster.wait_until(lambda: listed("share", CITY).get(rid, {}).get("state") == "pending", f"request {rid} at the city")
        cluster.wait_until(lambda: dispute in listed("dispute", CITY), "the dispute at the city")

        sign_in_at(urls[CITY], data_admin, data_admin_password)
        d.find_element(By.ID, "nav-sharing").click()
        request_row = lambda rid: d.find_element(By.CSS_SELECTOR, f"#share-requests tbody tr[data-request='{rid}']")
        browser.wait(lambda: all(request_row(rid).is_displayed() for rid in requests), "the requests on the sharing page")
        cells = [c.text for c in request_row(requests[0]).find_elements(By.TAG_NAME, "td")]
        expect(cells[8] == CITY and len(cells[9]) == 10 and cells[9][4] == "-", f"the request lacks its decider or due date: {cells}")
        d.find_element(By.ID, f"share-approve-{requests[0]}").click()
        browser.wait(lambda: request_row(requests[0]).get_attribute("data-state") == "granted", "the first request granted")
        d.find_element(By.ID, f"share-reject-{requests[1]}").click()
        browser.wait(lambda: d.find_element(By.ID, "share-action-form").is_displayed(), "the rejection form")
        d.find_element(By.ID, "share-action-submit").click()
        basis = browser.by_label("驳回依据")
        browser.wait(lambda: "依据" in browser.error_under(basis).text and "basis" in browser.error_under(basis).text,
                     "the missing basis named under its field, in both languages")
        expect(listed("share", CITY)[requests[1]]["state"] == "pending", "a rejection without a basis was stored")
        browser.type("驳回依据", "《数据安全法》第三十八条：超出履职所需范围")
        expect(unlabelled() == [], f"inputs without a label on sharing: {unlabelled()}")
        browser.screenshot("sharing")
        d.find_element(By.ID, "share-action-submit").click()
        browser.wait(lambda: request_row(requests[1]).get_attribute("data-state") == "rejected", "the second request rejected")
        for code in [CITY, DISTRICT]:
            cluster.wait_until(lambda: listed("share", code)[requests[0]]["state"] == "granted" and listed("share", code)[requests[1]]["state"] == "rejected",
                               f"the decisions at {code}")
        expect(listed("share", DISTRICT)[requests[1]]["decision"]["basis"].startswith("《数据安全法》"), "the basis did not travel back")
        decided = [json.loads(l) for l in cluster.run(["audit", "--dir", cluster.dir(CITY), "--action", "share_decide", "--json"]).stdout.splitlines() if l.strip()]
        expect(len(decided) == 2 and all(x["user"] == data_admin for x in decided), f"the decisions are not audited under the data administrator: {decided}")

        # 数据质量校核: the city answers the clerk's check with a correction in the page.
        dispute_row = lambda: d.find_element(By.CSS_SELECTOR, f"#share-disputes tbody tr[data-dispute='{dispute}']")
        browser.wait(lambda: dispute_row().get_attribute("data-state") == "open", "the dispute on the city's sharing page")
        d.find_element(By.ID, f"dispute-answer-{dispute}").click()
        browser.wait(lambda: d.find_element(By.ID, "dispute-answer-form").is_displayed(), "the answer form")
        expect(browser.by_label("姓名").get_attribute("value") == "赵晓梅", "the answer form does not hold the expected name")
        expect(unlabelled() == [], f"inputs without a label on dispute-answer: {unlabelled()}")
        browser.screenshot("dispute-answer")
        d.find_element(By.ID, "dispute-correct").click()
        browser.wait(lambda: dispute_row().get_attribute("data-state") == "corrected", "the dispute corrected")
        for code in [CITY, DISTRICT, STREET, COMMUNITY]:
            cluster.wait_until(lambda: (cluster.get(code, "person", good) or {}).get("name") == "赵晓梅", f"the correction at {code}")
        cluster.wait_until(lambda: listed("dispute", COMMUNITY)[dispute]["state"] == "corrected", "the dispute closed at the community")

        # 目录: a draft of other changes than a new item (a code added, a label changed), checked,
        # submitted at the community and reviewed at the district by its section reviewer.
        sign_in_at(web, admin, admin_password)
        d.find_element(By.ID, "nav-catalogue").click()
        browser.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, "#catalogue-items tbody tr[data-item='id_number']")) == 1, "the catalogue again")
        Select(browser.by_label("修改类型")).select_by_value("add_code")
        Select(browser.by_label("代码集")).select_by_value("20001")
        browser.type("代码", "50")
        browser.type("代码名称", "群租")
        d.find_element(By.ID, "draft-add").click()
        browser.wait(lambda: len(d.find_elements(By.CSS_SELECTOR, "#draft-changes tbody tr[data-change='add_code']")) == 1, "the code in the draft's changes")
        Select(browser.by_label("修改类型")).select_by_value("set_label")
        Select(browser.by_label("要改名的字段")).select_by_value("phone")
        browser.type("新的中文名", "手机号码")
        expect(d.find_element(By.CSS_SELECTOR, "#draft-changes tbody tr[data-change='add_code']").is_displayed(), "the added change is hidden")
        browser.type("标题", "房屋用途增加群租，电话改称手机号码")
        browser.type("理由", "单独统计群租房")
        d.find_element(By.ID, "draft-check").click()
        browser.wait(lambda: "检查通过" in d.find_element(By.ID, "catalogue-saved").text, "the draft checked")
        expect(unlabelled() == [], f"inputs without a label on catalogue-draft: {unlabelled()}")
        browser.screenshot("catalogue-draft")
        d.find_element(By.ID, "draft-submit").click()
        browser.wait(lambda: "草案已提交" in d.find_element(By.ID, "catalogue-saved").text, "the second draft submitted")
        draft = d.find_element(By.ID, "catalogue-saved").text.split("草案已提交：")[1].split()[0]
        def drafts_at(code):
            out = cluster.run(["catalogue", "drafts", "--dir", cluster.dir(code), "--json"]).stdout
            return {j["id"]: j for j in (json.loads(l) for l in out.splitlines() if l.strip())}
        ops = [c["op"] for c in drafts_at(COMMUNITY)[draft].get("changes", [])]
        expect(ops == ["add_code", "set_label"], f"the draft's changes are stored wrongly: {ops}")
        cluster.wait_until(lambda: draft in drafts_at(DISTRICT), "the draft at the district")
        sign_in_at(urls[DISTRICT], section, section_password)
        d.find_element(By.ID, "nav-catalogue").click()
        approve = lambda: d.find_element(By.CSS_SELECTOR, f"#catalogue-drafts button[data-draft='{draft}'][data-decision='approve']")
        browser.wait(lambda: approve().is_displayed(), "the draft reviewable at the district")
        row_text = d.find_element(By.CSS_SELECTOR, f"#catalogue-drafts tr[data-draft='{draft}']").text
        expect("群租" in row_text and "手机号码" in row_text, f"the reviewer does not see what the draft changes: {row_text}")
        browser.type("审核意见", "同意，报市级审核")
        approve().click()
        browser.wait(lambda: "已审核" in d.find_element(By.ID, "catalogue-saved").text, "the draft reviewed")
        reviewed = drafts_at(DISTRICT)[draft]
        expect(reviewed.get("next_step") == "department", f"the section review did not move the draft on: {reviewed}")
        audit = cluster.run(["audit", "--dir", cluster.dir(DISTRICT), "--json"]).stdout
        expect(any(json.loads(l).get("user") == section and draft in l for l in audit.splitlines() if l.strip()), "the review is not audited under the reviewer")
        # At the requesting node (the district) the granted request is rated (评价) and then revoked.
        d.find_element(By.ID, "nav-sharing").click()
        browser.wait(lambda: request_row(requests[0]).get_attribute("data-state") == "granted", "the grant on the district's sharing page")
        d.find_element(By.ID, f"share-rate-{requests[0]}").click()
        Select(browser.by_label("数据质量评分")).select_by_value("4")
        Select(browser.by_label("响应速度评分")).select_by_value("5")
        browser.type("评价意见", "答复及时")
        d.find_element(By.ID, "share-action-submit").click()
        browser.wait(lambda: "4/5" in request_row(requests[0]).text, "the rating on the request")
        d.find_element(By.ID, f"share-revoke-{requests[0]}").click()
        browser.type("撤销理由", "用途已完成")
        d.find_element(By.ID, "share-action-submit").click()
        browser.wait(lambda: request_row(requests[0]).get_attribute("data-state") == "revoked", "the grant revoked")
        cluster.wait_until(lambda: listed("share", CITY)[requests[0]]["state"] == "revoked" and len(listed("share", CITY)[requests[0]]["ratings"]) == 1,
                           "the rating and the revocation at the city")
        sign_in_at(web, admin, admin_password)

        # In English, the administrator sees the ID whole.
        d.find_element(By.ID, "language").click()
        browser.wait(lambda: d.find_element(By.ID, "nav-search").text == "Search", "the English menu")
        d.find_element(By.ID, "nav-search").click()
        browser.wait(lambda: d.find_element(By.ID, "page-search").is_displayed(), "the search page for the administrator")
        Select(d.find_element(By.ID, "search-by")).select_by_value("tag")
        d.find_element(By.ID, "search-q").clear()
        d.find_element(By.ID, "search-q").send_keys("独居老人")
        d.find_element(By.ID, "search-submit").click()
        browser.wait(lambda: len(rows()) == 1 and good in rows()[0].text, "the administrator's unmasked result")
        browser.screenshot("search-en")
        d.find_element(By.ID, "nav-entry").click()
        browser.wait(lambda: d.find_element(By.ID, "entry-save").text == "Save", "the English entry page")
        browser.screenshot("entry-en")

        print(f"web test: ok in {time.time() - started:.1f} s; screenshots in {artifacts}")
        return 0
    except Failure as e:
        print(f"web test FAILED: {e}", file=sys.stderr)
        for name in sorted(os.listdir(base)):
            if name.startswith("serve-") and name.endswith(".err"):
                text = open(os.path.join(base, name)).read()[-2000:]
                if text:
                    print(f"--- {name}\n{text}", file=sys.stderr)
        return 1
    finally:
        if browser:
            browser.quit()
        if cluster:
            cluster.stop()
        if args.keep:
            print(f"node directories kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
