-- AlterEnum
ALTER TYPE "ReexecutionStrategy" ADD VALUE 'SELECTED_STEPS';
