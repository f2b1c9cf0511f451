demo-abe-0001CASE-2026-0042"
C1Amelia Thornburyß	"
C2Noah Thornburyâ*(
P1Gareth Pellow"2019/0123456X08@Jðÿ¦Íªƒ
C1à˜¦Í"}Planned with the allocated social worker at the strategy meeting of 3 March; social worker observed from the monitoring room.(0:VRegistered intermediary used to support C1's communication needs identified by school.B7
(Force digital evidence management systemEXH-AT-0001J_C1 gave a clear account of the disclosure made at school. No new concerns about C2 were raised.