dmm={
 odule={  fa%e<{
 odule={
  fa%Ze<{
 odule={Za%ZZZotule={
 a%e<{
 odule={
  fa%Ze<{
  odule={  fa%e<tule={
 a%e<{
 odule={
  fa%Ze<{
  odule={  fa%e<{
 odule={
  fa%Ze<{
 odule={
  fa%Ze<{
 odule={Za%ZZZotule={
 a%e<{
 odule={
  fa%Ze<{
 odule={Za%ZZZotule={
 odule={  fa%e={
  fa%Ze<{
 ododule={  fa%e={
  fa%Ze<{
 odule={Za%ZZZotuleodule={Za%ZZZotule={
 odule={  fa%e={
  fa%Ze<{
 ododule={  fa%e={
  fa%Ze<{
 odule={Za%ZZZotule={
 odule={  fa%e<{le="lmed= <b_passw{  fa%e<{
 ofa%= <e<{

  faZZZZZ%{o7d= ]".e<$$
{}
