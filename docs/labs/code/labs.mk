# docs/labs/code/labs.mk - the code labs (included by the Makefile):
#   make grade LAB=N                      grades docs/labs/code/N-*/
#   make grade LAB=N SOLUTION=reference   grades the reference solution
#   make grade LAB=N SOLUTION=DIR         grades the files in DIR
# GRADE_IPCLAB=PATH grades against that ipclab without building one (the
# tests use it, so grading never rebuilds what make check built);
# GRADE_DIR is where the grader builds (default build/labs).
LABS_CODE := docs/labs/code
GRADE_DIR ?= $(BUILD)/labs

.PHONY: grade
grade: $(if $(GRADE_IPCLAB),,$(IPCLAB))
	$(Q)IPCLAB="$(or $(GRADE_IPCLAB),$(CURDIR)/$(IPCLAB))" CC="$(CC)" \
		sh $(LABS_CODE)/grade.sh "$(LAB)" "$(SOLUTION)" "$(GRADE_DIR)"

# make lab-reference: runs every lab's commands (counts capped: REF_ITERS,
# REF_REPS) on this machine and writes docs/labs/reference/<lab>.md (or
# REF_OUT/), each labelled with the machine, kernel, vCPUs, date, ipclab
# revision and placement: reference numbers for this machine (not kept in
# git: docs/labs/reference/.gitignore).
.PHONY: lab-reference
lab-reference: $(IPCLAB)
	$(Q)IPCLAB="$(CURDIR)/$(IPCLAB)" sh docs/labs/tools/reference.sh
